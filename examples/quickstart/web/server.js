// Answers every request with the greeting and the note count fetched from the api service.
const http = require("node:http");

const api = process.env.API_URL;
http
  .createServer(async (_req, res) => {
    const notes = await fetch(`${api}/notes`).then((r) => r.json(), () => null);
    res.end(`${process.env.GREETING}: api has ${notes === null ? "no answer" : `${notes.length} notes`}\n`);
  })
  .listen(8080);
