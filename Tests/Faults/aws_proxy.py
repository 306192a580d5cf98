"""A fault-injecting HTTP proxy in front of moto: the AWS endpoint the controller talks to in the fault suite.

It forwards every request byte for byte (the SigV4 signature covers the Host header, which passes unchanged) and
keeps a ledger of what the controller did: every SQS ReceiveMessage answer (message ids, receipt handles, bodies),
every delete and visibility change with its per-entry result, every Auto Scaling lifecycle call. Faults are rules
matched against the call (service and action); each rule answers, instead of moto, with:

- `status`: an AWS error in the protocol's own shape (SQS JSON with `x-amzn-query-error`, Auto Scaling's query
  `ErrorResponse`, EC2's `Response/Errors`), for example 500 `InternalFailure`, 400 `ThrottlingException`,
  400 `RequestThrottled`, 400 `ValidationError`;
- `latency`: the call is forwarded after a delay;
- `reset`: the connection is closed with no answer;
- `truncate`: the answer's head promises a body that stops halfway, then the connection closes.

It also plays AWS's signature clock check: a request whose `X-Amz-Date` is more than five minutes from this
machine's clock is refused as AWS refuses it (403 `InvalidSignatureException` "Signature expired" for SQS,
`SignatureDoesNotMatch` for Auto Scaling, `RequestExpired` for EC2), with the `Date` header SDKs correct from.
"""
import http.client
import http.server
import json
import random
import socket
import threading
import time
import urllib.parse
import uuid

SKEW_LIMIT_SECONDS = 300


class Rule:
    """One fault: which calls (`service` such as sqs/ec2/autoscaling, `actions` such as {"ReceiveMessage"}; None
    matches any), what happens, how often (`rate`), and how many times at most (`count`; None for unlimited)."""

    def __init__(self, service=None, actions=None, kind="status", status=500, code="InternalFailure",
                 message="We encountered an internal error. Please try again.", latency=0.0, rate=1.0, count=None):
        self.service = service
        self.actions = set(actions) if actions else None
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.latency = latency
        self.rate = rate
        self.remaining = count

    def matches(self, service, action, draw):
        """Whether this rule fires for the call; `draw` is this rule's own uniform draw in [0, 1)."""
        if self.service is not None and self.service != service:
            return False
        if self.actions is not None and action not in self.actions:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        return draw < self.rate


class Ledger:
    """What passed through, with wall-clock times (time.time()), guarded by one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = {}  # receipt handle -> {"id", "body", "received_at"}
        self.receives = []  # (time, [message ids])
        self.deletes = []  # {"time", "id", "handle", "ok"}
        self.visibility_changes = 0
        self.lifecycle = []  # {"time", "action", "token", "instance", "result", "status"}
        self.calls = {}  # action -> count
        self.faults = {}  # "action kind/code" -> count

    def count(self, action):
        with self.lock:
            self.calls[action] = self.calls.get(action, 0) + 1

    def snapshot(self):
        with self.lock:
            return {
                "messages": dict(self.messages),
                "receives": list(self.receives),
                "deletes": list(self.deletes),
                "visibility_changes": self.visibility_changes,
                "lifecycle": list(self.lifecycle),
                "calls": dict(self.calls),
                "faults": dict(self.faults),
            }


def _service(headers):
    authorization = headers.get("Authorization", "")
    marker = "Credential="
    if marker not in authorization:
        return None
    scope = authorization.split(marker, 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) > 3 else None


def _action(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1], None
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return form.get("Action", [None])[0], form


def _amz_date_seconds(value):
    try:
        return time.mktime(time.strptime(value, "%Y%m%dT%H%M%SZ")) - time.timezone
    except (TypeError, ValueError):
        return None


def error_response(service, status, code, message):
    """(status, headers, body) of an AWS error in the service's protocol."""
    request_id = str(uuid.uuid4())
    if service == "sqs":
        body = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": message}).encode()
        fault = "Receiver" if status >= 500 else "Sender"
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "x-amzn-query-error": f"{code};{fault}",
            "x-amzn-RequestId": request_id,
        }
        return status, headers, body
    if service == "ec2":
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        return status, {"Content-Type": "text/xml;charset=UTF-8"}, body
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f"<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>{kind}</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return status, {"Content-Type": "text/xml"}, body


class AWSProxy:
    """The proxy on a free loopback port (`endpoint`), forwarding to `upstream` (http://host:port)."""

    def __init__(self, upstream, seed=1):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self.ledger = Ledger()
        self.rules = []
        self.cycle = False
        self.turn = 0
        self.rules_lock = threading.Lock()
        self.random = random.Random(seed)
        self.injected = {}  # receipt handle -> body, answered by the proxy itself (see inject_message)
        self.pending_injections = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                proxy.handle(self)

            do_GET = do_POST

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.local = threading.local()

    # Control

    def set_rules(self, *rules, cycle=False):
        """The faults in force. With `cycle`, calls that match take the rules in turn, each exactly once a round,
        whatever their rates (`None` in the list lets a call through): every kind then fires, deterministically."""
        with self.rules_lock:
            self.rules = list(rules)
            self.cycle = cycle
            self.turn = 0

    def clear(self):
        self.set_rules()

    def inject_message(self, body):
        """Adds a message to the next non-empty receive answer as if the queue held it (for bodies SQS itself
        would refuse to store, such as 300 KiB); its delete is answered here. Returns its message id."""
        message_id = str(uuid.uuid4())
        handle = f"injected-{uuid.uuid4().hex}"
        with self.rules_lock:
            self.pending_injections.append({"MessageId": message_id, "ReceiptHandle": handle, "Body": body})
            self.injected[handle] = message_id
        return message_id

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # Serving

    def _rule_for(self, service, action):
        with self.rules_lock:
            if self.cycle:
                listed = [rule for rule in self.rules if rule is None or rule.matches(service, action, 0.0)]
                if not listed or all(rule is None for rule in listed):
                    return None
                rule = listed[self.turn % len(listed)]
                self.turn += 1
                return rule
            for rule in self.rules:
                # One draw per rule: rules listed together fire independently (the first that fires wins), so each
                # kind of fault really happens, not only the first rule's.
                if rule.matches(service, action, self.random.random()):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule
        return None

    def handle(self, request):
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        service = _service(request.headers)
        action, form = _action(request.headers, body)
        self.ledger.count(action)
        signed = _amz_date_seconds(request.headers.get("X-Amz-Date"))
        if signed is not None and abs(time.time() - signed) > SKEW_LIMIT_SECONDS:
            self._note_fault(action, "skew")
            code, message = {
                "sqs": ("InvalidSignatureException", "Signature expired"),
                "ec2": ("RequestExpired", "Request has expired."),
            }.get(service, ("SignatureDoesNotMatch", "Signature expired"))
            stamp = request.headers.get("X-Amz-Date")
            message = f"{message}: {stamp} is now earlier or later than the server's time (5 min. allowed)."
            return self._answer(request, *error_response(service, 403 if service != "ec2" else 400, code, message))
        rule = self._rule_for(service, action)
        if action in ("CompleteLifecycleAction", "RecordLifecycleActionHeartbeat"):
            self._record_lifecycle(action, form, rule)
        if rule is not None and rule.kind == "latency":
            self._note_fault(action, "latency")
            time.sleep(rule.latency)
            rule = None
        if rule is not None:
            self._note_fault(action, rule.code if rule.kind == "status" else rule.kind)
            if rule.kind == "reset":
                request.close_connection = True
                request.connection.shutdown(socket.SHUT_RDWR)
                return None
            if rule.kind == "status":
                return self._answer(request, *error_response(service, rule.status, rule.code, rule.message))
        if action in ("DeleteMessage", "DeleteMessageBatch") and self._answer_injected(request, action, body):
            return None
        status, headers, payload = self._forward(request, body)
        self._observe(action, form, body, status, payload)
        if action == "ReceiveMessage" and status == 200:
            payload = self._add_injections(payload)
        if rule is not None and rule.kind == "truncate":
            request.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                    request.send_header(name, value)
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload[: max(1, len(payload) // 2)])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self._answer(request, status, headers, payload)

    def _note_fault(self, action, what):
        with self.ledger.lock:
            key = f"{action} {what}"
            self.ledger.faults[key] = self.ledger.faults.get(key, 0) + 1

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(*self.upstream, timeout=60)
            self.local.connection = connection
        return connection

    def _forward(self, request, body):
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.putrequest(request.command, request.path, skip_host=True, skip_accept_encoding=True)
                for name, value in request.headers.items():
                    if name.lower() not in ("connection", "keep-alive", "proxy-connection", "content-length"):
                        connection.putheader(name, value)
                connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
                response = connection.getresponse()
                payload = response.read()
                return response.status, response.getheaders(), payload
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def _answer(self, request, status, headers, payload):
        request.send_response(status)
        items = headers.items() if isinstance(headers, dict) else headers
        for name, value in items:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        try:
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The controller gave up on the call (its timeout, or shutdown mid long poll): nothing to answer.
            request.close_connection = True
        return None

    # The ledger

    def _observe(self, action, form, body, status, payload):
        now = time.time()
        if action == "ReceiveMessage" and status == 200:
            messages = json.loads(payload or b"{}").get("Messages", [])
            with self.ledger.lock:
                for message in messages:
                    self.ledger.messages[message["ReceiptHandle"]] = {
                        "id": message["MessageId"], "body": message["Body"], "received_at": now,
                    }
                self.ledger.receives.append((now, [message["MessageId"] for message in messages]))
        elif action == "DeleteMessage":
            handle = json.loads(body).get("ReceiptHandle")
            self._record_deletes(now, [(handle, status == 200)])
        elif action == "DeleteMessageBatch":
            entries = json.loads(body).get("Entries", [])
            answered = json.loads(payload or b"{}") if status == 200 else {}
            succeeded = {entry["Id"] for entry in answered.get("Successful", [])}
            self._record_deletes(now, [(entry["ReceiptHandle"], entry["Id"] in succeeded) for entry in entries])
        elif action in ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch"):
            with self.ledger.lock:
                self.ledger.visibility_changes += 1

    def _record_lifecycle(self, action, form, rule):
        """Every lifecycle call the controller made, answered by moto or refused by a rule (`faulted`)."""
        with self.ledger.lock:
            self.ledger.lifecycle.append({
                "time": time.time(), "action": action, "faulted": rule is not None and rule.kind != "latency",
                "token": (form.get("LifecycleActionToken") or [None])[0],
                "instance": (form.get("InstanceId") or [None])[0],
                "result": (form.get("LifecycleActionResult") or [None])[0],
            })

    def _record_deletes(self, now, handles):
        with self.ledger.lock:
            for handle, ok in handles:
                message = self.ledger.messages.get(handle, {})
                self.ledger.deletes.append({"time": now, "id": message.get("id"), "handle": handle, "ok": ok})

    def _add_injections(self, payload):
        with self.rules_lock:
            injections, self.pending_injections = self.pending_injections, []
        if not injections:
            return payload
        answer = json.loads(payload or b"{}")
        answer.setdefault("Messages", [])
        now = time.time()
        for message in injections:
            message = {**message, "MD5OfBody": "", "Attributes": {
                "ApproximateReceiveCount": "1", "SentTimestamp": str(int(now * 1000)),
                "ApproximateFirstReceiveTimestamp": str(int(now * 1000)),
            }}
            answer["Messages"].append(message)
            with self.ledger.lock:
                self.ledger.messages[message["ReceiptHandle"]] = {
                    "id": message["MessageId"], "body": message["Body"], "received_at": now,
                }
        return json.dumps(answer).encode()

    def _answer_injected(self, request, action, body):
        """Deletes of injected messages are answered here (moto never held them); mixed batches are split."""
        parsed = json.loads(body)
        entries = [parsed] if action == "DeleteMessage" else parsed.get("Entries", [])
        with self.rules_lock:
            injected = [entry for entry in entries if entry.get("ReceiptHandle") in self.injected]
        if not injected:
            return False
        now = time.time()
        self._record_deletes(now, [(entry["ReceiptHandle"], True) for entry in injected])
        rest = [entry for entry in entries if entry not in injected]
        successful = [{"Id": entry["Id"]} for entry in injected if "Id" in entry]
        failed = []
        if rest:
            # The rest of a mixed batch cannot be re-signed here: they fail as a retryable server error, so the
            # controller deletes them again (a real batch can fail entry by entry the same way).
            failed = [{"Id": entry["Id"], "Code": "InternalError", "Message": "retry", "SenderFault": False}
                      for entry in rest]
        answer = {} if action == "DeleteMessage" else {"Successful": successful, "Failed": failed}
        self._answer(request, 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(answer).encode())
        return True
