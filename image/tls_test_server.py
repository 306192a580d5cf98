#!/usr/bin/env python3
"""A TLS server on 127.0.0.1 for scripts/test-image, standing in for two peers of `node-termination-handler run`:
STS (every POST gets a GetCallerIdentity answer, which run logs) and the apiserver (every GET gets 503 with
Retry-After, so that run keeps retrying and stays up while the test reads its credentials).

Usage: tls_test_server.py CERTIFICATE KEY PORT_FILE
Listens on a free port, writes it to PORT_FILE (atomically) once listening, serves until killed.
"""

import http.server
import os
import ssl
import sys

IDENTITY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
    b"<Arn>arn:aws:iam::111122223333:user/test-image</Arn><UserId>AIDATESTIMAGE</UserId>"
    b"<Account>111122223333</Account></GetCallerIdentityResult>"
    b"<ResponseMetadata><RequestId>test-image</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)
UNAVAILABLE = b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"test-image","code":503}'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, content_type, body, retry=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if retry:
            self.send_header("Retry-After", "1")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.answer(200, "text/xml", IDENTITY)

    def do_GET(self):
        self.answer(503, "application/json", UNAVAILABLE, retry=True)

    def log_message(self, *arguments):
        pass


def main(certificate, key, port_file):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file + ".partial", "w", encoding="ascii") as handle:
        handle.write(str(server.server_address[1]))
    os.rename(port_file + ".partial", port_file)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
