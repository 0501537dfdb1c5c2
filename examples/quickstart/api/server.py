"""A tiny notes API whose data lives in the `notes` volume mounted at /data."""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

NOTES = "/data/notes.json"


def load():
    return json.load(open(NOTES)) if os.path.exists(NOTES) else []


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok" if self.path == "/health" else json.dumps(load()).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("0.0.0.0", 5000), Handler).serve_forever()
