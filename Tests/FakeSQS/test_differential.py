"""The same SQS call sequences through botocore (which signs every request and checks every MD5) against moto, with
its signature and IAM checks on, and against fake-sqs; the normalized results must be equal. Where fake-sqs follows
SQS's documentation and moto does not, the difference is named and each peer's side is asserted
(test_documented_differences)."""
import time

import boto3
import pytest

from differential import Window, call, counts, normalize, unique

SCENARIOS = []


def scenario(function):
    SCENARIOS.append(function)
    return function


def new_queue(sqs, **attributes):
    return sqs.create_queue(QueueName=unique("diff"), Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]


@scenario
def send_receive_with_attributes(sqs):
    url = new_queue(sqs, VisibilityTimeout=30)
    window = Window()
    observed = [
        call(
            sqs.send_message,
            QueueUrl=url,
            MessageBody='{"detail-type":"EC2 Spot Instance Interruption Warning"}',
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": "spot"},
                "count": {"DataType": "Number", "StringValue": "3"},
                "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            },
        ),
        call(
            sqs.send_message_batch,
            QueueUrl=url,
            Entries=[{"Id": f"e{index}", "MessageBody": f"batch body {index} ✓"} for index in range(3)],
        ),
    ]
    received = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages = sorted(received.get("Messages", []), key=lambda message: message["Body"])
    observed.append(normalize({"Messages": messages}, window))
    observed.append(counts(sqs, url))
    return observed


@scenario
def receive_counts_and_visibility(sqs):
    url = new_queue(sqs, VisibilityTimeout=30)
    window = Window()
    sqs.send_message(QueueUrl=url, MessageBody="once")
    names = ["SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"]
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1, MessageSystemAttributeNames=names)["Messages"][0]
    hidden = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    # A long poll that returns as soon as the 1-second visibility timeout ends.
    second = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, MessageSystemAttributeNames=names)["Messages"][0]
    released = call(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                    VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageSystemAttributeNames=names)["Messages"][0]
    return [
        normalize(first, window),
        "Messages" in hidden,
        normalize(second, window),
        second["ReceiptHandle"] != first["ReceiptHandle"],
        second["Attributes"]["ApproximateFirstReceiveTimestamp"] == first["Attributes"]["ApproximateFirstReceiveTimestamp"],
        released,
        third["Attributes"]["ApproximateReceiveCount"],
        counts(sqs, url),
    ]


@scenario
def delete_batch_partial_failure(sqs):
    url = new_queue(sqs)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "a"}, {"Id": "b", "MessageBody": "b"}])
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    first = min(messages, key=lambda message: message["Body"])
    result = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "good", "ReceiptHandle": first["ReceiptHandle"]}, {"Id": "bad", "ReceiptHandle": "garbage"}],
    )
    return [len(messages), normalize(result), result["Failed"][0]["Message"], counts(sqs, url)]


@scenario
def change_visibility_batch_partial_failure(sqs):
    url = new_queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="a")
    message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    result = call(
        sqs.change_message_visibility_batch,
        QueueUrl=url,
        Entries=[
            {"Id": "good", "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
        ],
    )
    return [result, counts(sqs, url)]


@scenario
def delete_twice_then_purge(sqs):
    url = new_queue(sqs)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"m{index}", "MessageBody": "x"} for index in range(4)])
    message = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    observed = [
        call(sqs.delete_message, QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]),
        call(sqs.delete_message, QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]),
        counts(sqs, url),
    ]
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)
    observed.append(call(sqs.purge_queue, QueueUrl=url))
    observed.append(counts(sqs, url))
    return observed


@scenario
def errors(sqs):
    url = new_queue(sqs)
    return [
        call(sqs.get_queue_url, QueueName=unique("missing")),
        call(sqs.receive_message, QueueUrl=url.rsplit("/", 1)[0] + "/" + unique("missing")),
        call(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage"),
        call(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=5),
        call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11),
        call(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21),
        call(sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}] * 2),
        call(sqs.delete_message_batch, QueueUrl=url, Entries=[]),
        call(sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": "x"} for i in range(11)]),
        call(sqs.send_message, QueueUrl=url, MessageBody="x", DelaySeconds=901),
        call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["NoSuchAttribute"]),
    ]


@scenario
def queue_attributes(sqs):
    name = unique("attributes")
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn", "DelaySeconds", "ApproximateNumberOfMessages"]
    )["Attributes"]
    attributes["QueueArn"] = attributes["QueueArn"].replace(name, "<name>")
    return [
        url.endswith("/123456789012/" + name),
        attributes,
        call(sqs.get_queue_url, QueueName=name),
        call(sqs.create_queue, QueueName=name, Attributes={"VisibilityTimeout": "45"}),
        call(sqs.create_queue, QueueName=name, Attributes={"VisibilityTimeout": "46"})["error"],
    ]


def test_peers_differ_only_in_masked_values(peers):
    """The fixture itself: both peers answer, and their identities are distinct processes."""
    assert set(peers) == {"moto", "fake-sqs"}
    assert peers["moto"].endpoint != peers["fake-sqs"].endpoint


@pytest.mark.parametrize("sequence", SCENARIOS, ids=lambda function: function.__name__)
def test_same_results(peers, sequence):
    results = {name: sequence(identity.client("sqs")) for name, identity in peers.items()}
    assert results["fake-sqs"] == results["moto"]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda identity: (identity.access_key, "wrong-secret"), id="wrong secret"),
        pytest.param(lambda identity: ("AKIANOSUCHKEY0000000", "whatever"), id="unknown key"),
    ],
)
def test_same_authentication_errors(peers, make):
    results = {}
    for name, identity in peers.items():
        key, secret = make(identity)
        sqs = boto3.client(
            "sqs", endpoint_url=identity.endpoint, region_name="us-east-1",
            aws_access_key_id=key, aws_secret_access_key=secret,
        )
        results[name] = call(sqs.get_queue_url, QueueName="any")
    assert results["fake-sqs"] == results["moto"]
    assert results["moto"]["error"] in ("SignatureDoesNotMatch", "InvalidClientTokenId")
    assert results["moto"]["status"] == 403


def test_documented_differences(peers):
    """A handle from before the latest receive: SQS's DeleteMessage reference says the call succeeds but the message is
    not deleted, and a visibility change with it is refused as expired (fake-sqs); moto deletes and changes with any
    handle the message ever had."""
    expected = {
        "moto": {"delete": {}, "after delete": (0, 0), "change": {}},
        "fake-sqs": {
            "delete": {},
            "after delete": (0, 1),
            "change": {"error": "InvalidParameterValue", "status": 400},
        },
    }
    for name, identity in peers.items():
        sqs = identity.client("sqs")
        url = new_queue(sqs)
        sqs.send_message(QueueUrl=url, MessageBody="stale")
        old = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]["ReceiptHandle"]
        start = time.monotonic()
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, VisibilityTimeout=30)["Messages"][0]
        assert time.monotonic() - start < 9
        observed = {"change": call(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=old, VisibilityTimeout=60)}
        observed["delete"] = call(sqs.delete_message, QueueUrl=url, ReceiptHandle=old)
        observed["after delete"] = counts(sqs, url)
        assert observed == expected[name], name


def test_empty_long_poll_waits_its_time(peers):
    for name, identity in peers.items():
        sqs = identity.client("sqs")
        url = new_queue(sqs)
        start = time.monotonic()
        response = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        assert "Messages" not in response, name
        assert time.monotonic() - start >= 0.9, name
