"""Running one call sequence against each peer and normalizing what comes back, so that equal behaviour compares
equal: message ids, receipt handles, sender ids, request ids and endpoints are masked, timestamps are checked to lie
within the sequence's run and then masked, errors become (code, HTTP status)."""
import re
import time
import uuid

import botocore.exceptions

# moto answers signature errors of the JSON protocol as an XML page without x-amzn-query-error, so botocore reports
# the HTTP status as the code; the AWS code is then in the XML.
XML_CODE = re.compile(r"<Code>([^<]+)</Code>")

# Known, documented differences (docs/fake-sqs.md): the HTTP status of ReceiptHandleIsInvalid is 404 in SQS's model
# (fake-sqs), 400 in moto.
STATUS_DIFFERENCES = {"ReceiptHandleIsInvalid": {404, 400}}


def error_of(exception):
    error = exception.response.get("Error", {})
    code = error.get("Code", "")
    if code.isdigit():
        found = XML_CODE.search(error.get("Message", ""))
        code = found.group(1) if found else code
    status = exception.response["ResponseMetadata"]["HTTPStatusCode"]
    if code in STATUS_DIFFERENCES and status in STATUS_DIFFERENCES[code]:
        status = "/".join(str(value) for value in sorted(STATUS_DIFFERENCES[code]))
    return {"error": code, "status": status}


def call(function, **arguments):
    """The normalized response of one call, or its normalized error."""
    try:
        return normalize(function(**arguments))
    except botocore.exceptions.ClientError as exception:
        return error_of(exception)


class Window:
    """The span of a call sequence: timestamps in responses must fall inside it."""

    def __init__(self):
        self.start = int(time.time() * 1000) - 1000

    def check(self, value):
        now = int(time.time() * 1000) + 1000
        assert self.start <= int(value) <= now, f"timestamp {value} outside [{self.start}, {now}]"
        return "<ms>"


MASKED = {"MessageId": "<id>", "ReceiptHandle": "<handle>", "SenderId": "<sender>"}
TIMESTAMPS = {"SentTimestamp", "ApproximateFirstReceiveTimestamp"}


def normalize(value, window=None):
    window = window or Window()
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            if key in MASKED:
                result[key] = MASKED[key]
            elif key in TIMESTAMPS:
                result[key] = window.check(item)
            elif key in ("QueueUrl",):
                result[key] = re.sub(r"/[^/]+$", "/<name>", re.sub(r"^https?://[^/]+", "<endpoint>", item))
            elif key in ("Failed",):
                result[key] = [{k: v for k, v in entry.items() if k != "Message"} for entry in item]
            else:
                result[key] = normalize(item, window)
        return result
    if isinstance(value, list):
        return [normalize(item, window) for item in value]
    return value


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def counts(sqs, url):
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])
