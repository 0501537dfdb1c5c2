// The API: counts visits in the store (found by its service name) and reports them.
import { createServer } from "node:http";

const store = process.env.STORE_URL;

async function visit() {
  const visits = (await (await fetch(`${store}/kv/visits`)).json()) + 1;
  await fetch(`${store}/kv/visits`, { method: "PUT", body: JSON.stringify(visits) });
  return visits;
}

createServer(async (req, res) => {
  if (req.url === "/health") return res.end("ok\n");
  if (req.url === "/visits") {
    try {
      const visits = await visit();
      return res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" })
        .end(JSON.stringify({ visits }) + "\n");
    } catch (err) {
      return res.writeHead(502).end(`store unreachable: ${err.message}\n`);
    }
  }
  res.writeHead(404).end("not found\n");
}).listen(3000, () => console.log("api listening on :3000"));
