#!/usr/bin/env python3
"""A small HTTP/1.1 server on 127.0.0.1 for the HTTPClient tests and benchmark.

It starts a plain listener, optionally a TLS listener (server certificate, optional client-CA to request client
certificates) and a "blackhole" listener whose accept queue is kept full, so that connects to it time out.
It prints one JSON line with the ports, then serves until stdin closes or it is killed.

Endpoints:
  GET  /hello                      -> "hello"
  ANY  /echo                       -> JSON {method, path, query, headers, body}
  GET  /bytes?size=N               -> N bytes of "x"
  GET  /stream?chunks=N&interval=MS[&size=S] -> chunked body, one line (or S bytes) per chunk, MS between chunks
  GET  /hold                       -> chunked; one chunk, then holds the connection open until the client leaves
  GET  /slow?delay=MS              -> waits MS before answering
  GET  /lie                        -> announces Content-Length 4 GiB, sends a little, then holds
  GET  /status?code=N              -> empty body with that status
  GET  /stats                      -> JSON {connections, holdsOpened, holdsClosed, clientCertificates}
All sockets use TCP_NODELAY and every response is written in one piece.
"""
import argparse
import asyncio
import json
import os
import socket
import ssl
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Fixtures"))
from fixture_http import read_request, response, serve_until_stdin_closes  # noqa: E402 (after the path it needs)

STATS = {"connections": 0, "holdsOpened": 0, "holdsClosed": 0, "clientCertificates": []}


async def hold_until_closed(reader):
    try:
        while await reader.read(1024):
            pass
    except (ConnectionError, OSError):
        pass
    STATS["holdsClosed"] += 1


async def handle(reader, writer):
    STATS["connections"] += 1
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is not None:
        cert = ssl_object.getpeercert()
        if cert:
            subject = dict(item[0] for item in cert.get("subject", ()))
            STATS["clientCertificates"].append(subject.get("commonName", ""))
    try:
        while True:
            try:
                method, target, headers, body = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                return
            parsed = urllib.parse.urlsplit(target)
            query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
            path = parsed.path
            if path == "/hello":
                writer.write(response(200, b"hello", {"Content-Type": "text/plain"}))
            elif path == "/echo":
                payload = json.dumps({
                    "method": method, "path": path, "query": parsed.query, "headers": headers,
                    "body": body.decode("utf-8", "replace"),
                }).encode()
                writer.write(response(200, payload, {"Content-Type": "application/json"}))
            elif path == "/bytes":
                writer.write(response(200, b"x" * int(query.get("size", "0"))))
            elif path == "/status":
                writer.write(response(int(query.get("code", "200")), b"", reason="Status"))
            elif path == "/slow":
                await asyncio.sleep(int(query.get("delay", "1000")) / 1000)
                writer.write(response(200, b"slow"))
            elif path == "/stats":
                writer.write(response(200, json.dumps(STATS).encode(), {"Content-Type": "application/json"}))
            elif path in ("/stream", "/hold"):
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n")
                chunks = int(query.get("chunks", "1"))
                interval = int(query.get("interval", "0")) / 1000
                size = int(query.get("size", "0"))
                for index in range(chunks):
                    data = f"chunk {index}\n".encode() if not size else b"y" * size
                    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                    await writer.drain()
                    if index + 1 < chunks and interval:
                        await asyncio.sleep(interval)
                if path == "/hold":
                    STATS["holdsOpened"] += 1
                    await hold_until_closed(reader)
                    return
                writer.write(b"0\r\n\r\n")
            elif path == "/lie":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n" + b"x" * 1024)
                await writer.drain()
                STATS["holdsOpened"] += 1
                await hold_until_closed(reader)
                return
            else:
                writer.write(response(404, b"not found", reason="Not Found"))
            await writer.drain()
    finally:
        try:
            writer.close()
        except Exception:
            pass


def blackhole():
    """A listener whose accept queue is full: new connects get no SYN-ACK and time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    return listener, fillers, port


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()

    plain = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    ports = {"http": plain.sockets[0].getsockname()[1]}
    servers = [plain]
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.load_verify_locations(args.client_ca)
            context.verify_mode = ssl.CERT_OPTIONAL
        secure = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context, backlog=1024)
        ports["https"] = secure.sockets[0].getsockname()[1]
        servers.append(secure)
    hole, fillers, ports["blackhole"] = blackhole()
    print(json.dumps(ports), flush=True)

    await serve_until_stdin_closes()


if __name__ == "__main__":
    asyncio.run(main())
