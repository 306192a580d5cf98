#!/usr/bin/env python3
"""A purpose-built local server for what moto cannot play: IMDSv2, container credentials (ECS / EKS Pod Identity),
STS web identity with token logging, clock skew, throttling storms, HTML error pages.

Prints one JSON line {"port": N} when ready; serves on 127.0.0.1 until stdin closes. TCP_NODELAY on every socket,
every response written in one piece.

Instance metadata (IMDSv2):
  PUT /latest/api/token                       needs X-aws-ec2-metadata-token-ttl-seconds in 1..21600, echoes it
  GET /latest/meta-data/iam/security-credentials/          role name (401 without a valid token; 404 if no role)
  GET /latest/meta-data/iam/security-credentials/<role>    {"Code": "Success", "AccessKeyId": "ASIAIMDS<n>", ...}
Container credentials:
  GET /v1/credentials                         needs Authorization == config["podToken"] (when set), Accept JSON
AWS API (POST /):
  scripted responses first (config["script"]: [{status, body, headers, delayMs}], one popped per request); else
  Action=AssumeRoleWithWebIdentity (query)    STS credentials "ASIAWEB<n>"
  anything else                               checks X-Amz-Date against the server clock (config["clockOffset"]
                                              seconds ahead of real time): more than 15 minutes apart is a 403
                                              SignatureDoesNotMatch "Signature expired" (query) or a 400
                                              InvalidSignatureException (JSON); else a success body
Control:
  POST /control/config   merge a JSON object into the config
  POST /control/expire-imds-tokens
  GET  /control/log      every request so far: [{method, path, headers, body, time}]
Every response carries a Date header from the server clock.
"""
import asyncio
import calendar
import email.utils
import json
import os
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Fixtures"))
from fixture_http import lowered, read_request, serve_until_stdin_closes  # noqa: E402 (after the path it needs)
from fixture_http import response as http_response  # noqa: E402

CONFIG = {
    "imdsRole": "nth-node-role",
    "credentialsLifetime": 6 * 3600,
    "podToken": None,
    "clockOffset": 0,
    "script": [],
    "failCredentials": 0,
}
STATE = {"serial": 0, "tokens": set()}
LOG = []


def now():
    return time.time() + CONFIG["clockOffset"]


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def amz(seconds):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))


def response(status, body=b"", headers=None, reason="OK"):
    headers = dict(headers or {})
    headers.setdefault("Date", email.utils.formatdate(now(), usegmt=True))
    return http_response(status, body, headers, reason)


def credentials(prefix):
    STATE["serial"] += 1
    n = STATE["serial"]
    return {
        "Code": "Success", "Type": "AWS-HMAC", "LastUpdated": iso(now()),
        "AccessKeyId": f"{prefix}{n}", "SecretAccessKey": f"secret-{n}", "Token": f"token-{n}",
        "Expiration": iso(now() + CONFIG["credentialsLifetime"]), "AccountId": "123456789012",
    }


def json_response(status, value):
    return response(status, json.dumps(value), {"Content-Type": "application/json"})


def imds(method, path, headers):
    if path == "/latest/api/token":
        if method != "PUT":
            return response(405, reason="Method Not Allowed")
        ttl = headers.get("x-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return response(400, reason="Bad Request")
        STATE["serial"] += 1
        token = f"imds-token-{STATE['serial']}"
        STATE["tokens"].add(token)
        return response(200, token, {"X-aws-ec2-metadata-token-ttl-seconds": ttl, "Content-Type": "text/plain"})
    if headers.get("x-aws-ec2-metadata-token") not in STATE["tokens"]:
        return response(401, reason="Unauthorized")
    base = "/latest/meta-data/iam/security-credentials/"
    role = CONFIG["imdsRole"]
    if path == base:
        return response(200, role) if role else response(404, reason="Not Found")
    if role and path == base + role:
        if CONFIG["failCredentials"] > 0:
            CONFIG["failCredentials"] -= 1
            return response(503, reason="Service Unavailable")
        return json_response(200, credentials("ASIAIMDS"))
    return response(404, reason="Not Found")


def container(headers):
    expected = CONFIG["podToken"]
    if expected is not None and headers.get("authorization") != expected:
        return json_response(401, {"code": "AccessDeniedException", "message": "invalid authorization token"})
    if CONFIG["failCredentials"] > 0:
        CONFIG["failCredentials"] -= 1
        return json_response(500, {"code": "ServerException", "message": "try again"})
    document = credentials("ASIAPOD")
    del document["Code"], document["Type"], document["LastUpdated"]
    return json_response(200, document)


def aws_api(headers, body):
    if CONFIG["script"]:
        step = CONFIG["script"].pop(0)
        reply = response(step.get("status", 200), step.get("body", ""), step.get("headers", {}),
                         step.get("reason", "Scripted"))
        return (step["delayMs"] / 1000, reply) if step.get("delayMs") else reply
    form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
    is_json = headers.get("content-type", "").startswith("application/x-amz-json")
    if form.get("Action") == "AssumeRoleWithWebIdentity":
        c = credentials("ASIAWEB")
        xml = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
               "<AssumeRoleWithWebIdentityResult><Credentials>"
               f"<AccessKeyId>{c['AccessKeyId']}</AccessKeyId><SecretAccessKey>{c['SecretAccessKey']}</SecretAccessKey>"
               f"<SessionToken>{c['Token']}</SessionToken><Expiration>{c['Expiration']}</Expiration></Credentials>"
               "<AssumedRoleUser><AssumedRoleId>AROAFAKE:s</AssumedRoleId>"
               f"<Arn>arn:aws:sts::123456789012:assumed-role/fake/{form.get('RoleSessionName', '')}</Arn>"
               "</AssumedRoleUser></AssumeRoleWithWebIdentityResult>"
               "<ResponseMetadata><RequestId>fake-sts</RequestId></ResponseMetadata>"
               "</AssumeRoleWithWebIdentityResponse>")
        return response(200, xml, {"Content-Type": "text/xml"})
    signed = headers.get("x-amz-date", "")
    try:
        signed_at = calendar.timegm(time.strptime(signed, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        signed_at = None
    if signed_at is None or abs(signed_at - now()) > 15 * 60:
        message = (f"Signature expired: {signed} is now earlier than {amz(now() - 900)} "
                   f"({amz(now())} - 15 min.)")
        if is_json:
            return response(400, json.dumps({"__type": "com.amazon.coral.service#InvalidSignatureException",
                                              "message": message}),
                            {"Content-Type": "application/x-amz-json-1.0"}, "Bad Request")
        xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>{message}"
               "</Message></Error><RequestId>fake-skew</RequestId></ErrorResponse>")
        return response(403, xml, {"Content-Type": "text/xml"}, "Forbidden")
    if is_json:
        return response(200, "{}", {"Content-Type": "application/x-amz-json-1.0"})
    action = form.get("Action", "Unknown")
    xml = (f"<{action}Response><{action}Result><Account>123456789012</Account>"
           f"<Arn>arn:aws:iam::123456789012:user/fake</Arn><UserId>AIDAFAKE</UserId></{action}Result>"
           f"<ResponseMetadata><RequestId>fake-ok</RequestId></ResponseMetadata></{action}Response>")
    return response(200, xml, {"Content-Type": "text/xml"})


def route(method, path, headers, body):
    if path == "/control/config" and method == "POST":
        CONFIG.update(json.loads(body or b"{}"))
        return json_response(200, {"ok": True})
    if path == "/control/expire-imds-tokens":
        STATE["tokens"].clear()
        return json_response(200, {"ok": True})
    if path == "/control/log":
        return json_response(200, LOG)
    LOG.append({"method": method, "path": path, "headers": headers, "body": body.decode("utf-8", "replace"),
                "time": time.time()})
    if path.startswith("/latest/"):
        return imds(method, path, headers)
    if path == "/v1/credentials":
        return container(headers)
    if path == "/" and method == "POST":
        return aws_api(headers, body)
    return response(404, "not found", reason="Not Found")


async def handle(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                method, path, pairs, body = await read_request(reader)
                headers = lowered(pairs)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            reply = route(method, path, headers, body)
            if isinstance(reply, tuple):
                delay, reply = reply
                await asyncio.sleep(delay)
            writer.write(reply)
            await writer.drain()
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    await serve_until_stdin_closes()


if __name__ == "__main__":
    asyncio.run(main())
