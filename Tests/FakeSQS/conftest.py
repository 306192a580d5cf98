"""Fixtures of the differential test: the AWS set-up suite's moto (signature and IAM checks on) and administrator,
shared rather than copied, and one `fake-sqs` (the release build) per session; both as boto3 identities."""
import importlib.util
import os
import pathlib
import secrets
import signal
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS / "AWSSetup"))

_spec = importlib.util.spec_from_file_location("aws_setup_conftest", TESTS / "AWSSetup" / "conftest.py")
_aws_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_aws_setup)

moto = _aws_setup.moto
admin = _aws_setup.admin

from harness_aws import AWS  # noqa: E402  (after the path)
from harness_processes import swift_product  # noqa: E402


class FakeSQS:
    """`fake-sqs serve` on a free port with one generated key; stopped with SIGTERM, which must exit 0."""

    def __init__(self):
        override = os.environ.get("NTH_FAKE_SQS_EXECUTABLE")
        executable = pathlib.Path(override) if override else swift_product("fake-sqs", "release")
        self.access_key = "AKIAFAKESQS" + secrets.token_hex(4).upper()
        self.secret_key = secrets.token_urlsafe(30)
        self.process = subprocess.Popen(
            [str(executable), "serve", "--access-key", f"{self.access_key}:{self.secret_key}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.endpoint = self.process.stdout.readline().decode().strip()
        if not self.endpoint.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"fake-sqs did not print its URL: {self.process.stderr.read().decode()[-2000:]}")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


@pytest.fixture(scope="session")
def fake_sqs():
    server = FakeSQS()
    yield server
    assert server.stop() == 0, "fake-sqs did not exit 0 on SIGTERM"


@pytest.fixture(scope="session")
def peers(admin, fake_sqs):
    """The two peers the same call sequences run against: {name: AWS identity allowed everything}."""
    return {
        "moto": admin,
        "fake-sqs": AWS(fake_sqs.endpoint, fake_sqs.access_key, fake_sqs.secret_key),
    }
