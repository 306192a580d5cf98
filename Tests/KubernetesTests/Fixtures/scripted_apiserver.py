#!/usr/bin/env python3
"""A scripted HTTP/1.1 server on 127.0.0.1 for the Kubernetes client tests.

Tests tell it what to answer, then let the client talk to it:
  POST /__script   body {"method": "GET", "path": "/api/v1/nodes/a", "responses": [RESPONSE, ...]}
                   appends to the queue of answers for that method and path (the query is ignored).
  GET  /__requests -> JSON list of every other request: {method, path, query, headers, body}.
A RESPONSE is {"status": 200, "headers": {...}, "body": "text"} or, for a chunked (watch) response,
{"status": 200, "chunks": ["...", "..."], "hold": false}: each chunk is written and flushed apart, with a short pause,
so that the client sees it as a separate read; "hold": true keeps the connection open afterwards until the client
leaves. "requireAuthorization": "Bearer x" answers 401 (and keeps the response queued) unless that header matches.
"repeat": true keeps the response queued after use. An empty queue answers 404 with a Status body.
It prints one JSON line {"http": port} when ready and serves until stdin closes. Given two arguments, a server
certificate and its key (PEM files), it serves HTTPS instead.
All sockets use TCP_NODELAY.
"""
import asyncio
import json
import os
import socket
import ssl
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Fixtures"))
from fixture_http import lowered, read_request, response, serve_until_stdin_closes  # noqa: E402 (after the path it needs)

SCRIPTS = {}
REQUESTS = []


def not_found(method, path):
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
              "message": f"no scripted response for {method} {path}"}
    return response(404, json.dumps(status).encode(), {"Content-Type": "application/json"})


async def hold_until_closed(reader):
    try:
        while await reader.read(1024):
            pass
    except (ConnectionError, OSError):
        pass


async def handle(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                method, target, pairs, body = await read_request(reader)
                headers = lowered(pairs)
            except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                return
            parsed = urllib.parse.urlsplit(target)
            path = parsed.path
            if path == "/__script":
                script = json.loads(body)
                SCRIPTS.setdefault((script["method"], script["path"]), []).extend(script["responses"])
                writer.write(response(200, b"{}"))
                await writer.drain()
                continue
            if path == "/__requests":
                writer.write(response(200, json.dumps(REQUESTS).encode(), {"Content-Type": "application/json"}))
                await writer.drain()
                continue
            REQUESTS.append({"method": method, "path": path, "query": parsed.query, "headers": headers,
                             "body": body.decode("utf-8", "replace")})
            queue = SCRIPTS.get((method, path), [])
            if not queue:
                writer.write(not_found(method, path))
                await writer.drain()
                continue
            spec = queue[0]
            required = spec.get("requireAuthorization")
            if required is not None and headers.get("authorization") != required:
                unauthorized = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized",
                                "code": 401, "message": "Unauthorized"}
                writer.write(response(401, json.dumps(unauthorized).encode(), {"Content-Type": "application/json"}))
                await writer.drain()
                continue
            if not spec.get("repeat"):
                queue.pop(0)
            extra = spec.get("headers", {})
            if "chunks" in spec:
                head = f"HTTP/1.1 {spec.get('status', 200)} Scripted\r\nTransfer-Encoding: chunked\r\n"
                head += "Content-Type: application/json\r\n"
                for name, value in extra.items():
                    head += f"{name}: {value}\r\n"
                writer.write((head + "\r\n").encode())
                await writer.drain()
                for chunk in spec["chunks"]:
                    data = chunk.encode()
                    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                    await writer.drain()
                    await asyncio.sleep(0.02)
                if spec.get("hold"):
                    await hold_until_closed(reader)
                    return
                writer.write(b"0\r\n\r\n")
                await writer.drain()
                continue
            payload = spec.get("body", "")
            if not isinstance(payload, str):
                payload = json.dumps(payload)
            if "Content-Type" not in extra:
                extra = dict(extra, **{"Content-Type": "application/json"})
            writer.write(response(spec.get("status", 200), payload.encode(), extra))
            await writer.drain()
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    context = None
    if len(sys.argv) == 3:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024, ssl=context)
    print(json.dumps({"http": server.sockets[0].getsockname()[1]}), flush=True)
    await serve_until_stdin_closes()


if __name__ == "__main__":
    asyncio.run(main())
