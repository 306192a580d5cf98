"""A container-credentials endpoint (what EKS Pod Identity and ECS serve at AWS_CONTAINER_CREDENTIALS_FULL_URI) that
rotates the keys it hands out: every `period` seconds it creates a new access key for the IAM user in moto, serves
that one (with an `Expiration` at the next rotation), and deletes the old one, so AWS refuses the old key from then
on (moto answers InvalidClientTokenId, as IAM does for a deleted key).

The caller must send `Authorization: <token>` (AWS_CONTAINER_AUTHORIZATION_TOKEN); anything else is a 401.
"""
import datetime
import http.server
import json
import threading


class RotatingCredentialsEndpoint:
    def __init__(self, iam, user_name, period, token="fault-suite-token"):
        self.iam = iam
        self.user_name = user_name
        self.period = period
        self.token = token
        self.lock = threading.Lock()
        self.current = None
        self.rotations = 0
        self.served = 0
        self.refused = 0
        self._rotate()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.headers.get("Authorization") != endpoint.token:
                    with endpoint.lock:
                        endpoint.refused += 1
                    body = b'{"message":"invalid authorization token"}'
                    self.send_response(401)
                else:
                    with endpoint.lock:
                        key, expires = endpoint.current
                        endpoint.served += 1
                    body = json.dumps({
                        "AccessKeyId": key["AccessKeyId"],
                        "SecretAccessKey": key["SecretAccessKey"],
                        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/credentials"
        self.stopped = threading.Event()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._rotate_forever, daemon=True).start()

    @property
    def environment(self):
        return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token}

    def _rotate(self):
        new = self.iam.create_access_key(UserName=self.user_name)["AccessKey"]
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.period)
        with self.lock:
            old = self.current
            self.current = (new, expires)
            self.rotations += 1
        if old is not None:
            self.iam.delete_access_key(UserName=self.user_name, AccessKeyId=old[0]["AccessKeyId"])

    def _rotate_forever(self):
        while not self.stopped.wait(self.period):
            self._rotate()

    def stop(self):
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()
