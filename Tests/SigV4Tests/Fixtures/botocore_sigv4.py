#!/usr/bin/env python3
"""Signs requests with botocore's SigV4 signer: the oracle of SigV4Tests' differential test.

Reads one JSON object from stdin, {"cases": [case, ...]}, and writes {"results": [result, ...]} to stdout, in the
same order. A case:

    {"id": 7, "method": "POST", "url": "https://sqs.us-east-1.amazonaws.com/1234/q%20x",
     "params": [["Action", "Send"], ["", "v"]],          # decoded query parameters, order kept, repeats allowed
     "headers": [["Content-Type", " a  b "], ...],       # order kept, repeats allowed
     "body_base64": "...", "access_key": "AKIA...", "secret_key": "...", "token": "..." (absent or null: none),
     "region": "us-east-1", "service": "sqs", "timestamp": 1440938160,   # Unix seconds, UTC
     "s3": false,                   # S3SigV4Auth (no path normalisation, no re-encoding, X-Amz-Content-SHA256)
     "unsigned_payload": false,     # payload_signing_enabled=False over https: X-Amz-Content-SHA256 UNSIGNED-PAYLOAD
     "content_sha256_header": false}  # add X-Amz-Content-SHA256 with the body hash before signing

A result: {"id", "canonical_request", "string_to_sign", "signature", "authorization"}.

The time is fixed by calling the stages of SigV4Auth.add_auth ourselves with request.context["timestamp"] set,
instead of add_auth, which reads the clock.
"""
import base64
import datetime
import hashlib
import json
import sys

from botocore.auth import SIGV4_TIMESTAMP, S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(case):
    request = AWSRequest(
        method=case["method"],
        url=case["url"],
        data=base64.b64decode(case["body_base64"]),
        params=[tuple(pair) for pair in case["params"]],
    )
    for name, value in case["headers"]:
        request.headers[name] = value  # HTTPMessage appends: repeated names are kept
    if case["content_sha256_header"]:
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(request.body or b"").hexdigest()
    if case["unsigned_payload"]:
        request.context["payload_signing_enabled"] = False
    timestamp = datetime.datetime.fromtimestamp(case["timestamp"], tz=datetime.timezone.utc)
    request.context["timestamp"] = timestamp.strftime(SIGV4_TIMESTAMP)

    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    auth_class = S3SigV4Auth if case["s3"] else SigV4Auth
    auth = auth_class(credentials, case["service"], case["region"])
    # SigV4Auth.add_auth without its clock read.
    auth._modify_request_before_signing(request)
    canonical_request = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical_request)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)
    return {
        "id": case["id"],
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "signature": signature,
        "authorization": request.headers["Authorization"],
    }


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({"results": [sign(case) for case in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
