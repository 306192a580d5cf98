"""Shared by the asyncio test fixture servers: HTTP/1.1 requests read and responses written by hand (so that the
servers control every byte, and each response leaves in one write), and the fixtures' lifetime.

A fixture lives exactly as long as its parent keeps its stdin open: a test starts it as a child process with a
pipe on stdin and closes the pipe (or dies) when done; the fixture then exits at once, so none outlives the test
run. Import with the `Tests/Fixtures` directory on `sys.path` (see the fixtures' first lines).
"""
import asyncio
import os
import sys


async def serve_until_stdin_closes():
    """Returns never: waits until stdin reaches end of file, then exits the process."""
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def on_stdin():
        if not sys.stdin.buffer.read1(1024) and not stdin_closed.done():
            stdin_closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    await stdin_closed
    # Exit at once: held connections would otherwise print cancellation tracebacks on the way out.
    sys.stdout.flush()
    os._exit(0)


async def read_request(reader):
    """One request: (method, target, [[name, value], ...] in the order sent, body), the body by Content-Length
    or chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append([name.strip(), value.strip()])
    fields = lowered(headers)
    body = b""
    if "chunked" in fields.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    elif int(fields.get("content-length", "0") or 0):
        body = await reader.readexactly(int(fields["content-length"]))
    return method, target, headers, body


def lowered(headers):
    """Header pairs as a dict keyed by lower-case name (the last value of a repeated name wins)."""
    return {name.lower(): value for name, value in headers}


def response(status, body=b"", headers=None, reason="OK"):
    """A whole HTTP/1.1 response with Content-Length, as bytes (a str body is UTF-8 encoded)."""
    if isinstance(body, str):
        body = body.encode()
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
