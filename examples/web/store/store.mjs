// A tiny key-value service: GET/PUT /kv/<key>, persisted as one JSON file in the `data` volume.
import { createServer } from "node:http";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const FILE = "/data/store.json";
let data = {};
try {
  data = JSON.parse(readFileSync(FILE, "utf8"));
} catch {
  // first start: an empty store
}

function save() {
  // Write and rename, so a crash never leaves half a file.
  writeFileSync(`${FILE}.tmp`, JSON.stringify(data));
  renameSync(`${FILE}.tmp`, FILE);
}

createServer((req, res) => {
  if (req.url === "/health") return res.end("ok\n");
  const key = req.url.startsWith("/kv/") ? decodeURIComponent(req.url.slice(4)) : undefined;
  if (!key) return res.writeHead(404).end("not found\n");
  if (req.method === "GET") {
    if (!(key in data)) return res.writeHead(404).end("no such key\n");
    return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(data[key]));
  }
  if (req.method === "PUT") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      try {
        data[key] = JSON.parse(body);
      } catch {
        return res.writeHead(400).end("body must be JSON\n");
      }
      save();
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(405).end();
}).listen(4000, () => console.log("store listening on :4000"));
