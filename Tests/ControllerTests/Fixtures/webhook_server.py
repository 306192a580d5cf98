"""A webhook receiver (and plain HTTP proxy target) for the controller's webhook tests.

Prints {"port": N} once listening. Every POST is recorded (request target, headers, body); the first
FAIL_FIRST posts (environment, default 1) get 500, later ones 204. GET /requests returns the records as JSON.
The server exits when its stdin closes.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

records = []
lock = threading.Lock()
fail_first = int(os.environ.get("FAIL_FIRST", "1"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with lock:
            records.append({"target": self.path, "headers": dict(self.headers.items()), "body": body})
            status = 500 if len(records) <= fail_first else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            data = json.dumps(records).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(json.dumps({"port": server.server_address[1]}), flush=True)
sys.stdin.read()
server.shutdown()
