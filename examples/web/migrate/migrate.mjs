// One-shot job: makes sure the store holds what the API expects, then exits 0 (the API waits for that).
const store = process.env.STORE_URL;
const current = await fetch(`${store}/kv/schema`);
if (current.status === 404) {
  await put("schema", { version: 1 });
  await put("visits", 0);
  console.log("store initialised at schema version 1");
} else {
  console.log("store already at schema version", (await current.json()).version);
}

async function put(key, value) {
  const res = await fetch(`${store}/kv/${key}`, { method: "PUT", body: JSON.stringify(value) });
  if (!res.ok) throw new Error(`PUT ${key}: ${res.status}`);
}
