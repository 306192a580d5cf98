"""Fixtures: one moto per session with IAM and signature checks on, and its administrator (every test names what it
creates uniquely, so they share it); a fake apiserver per test; the controller executable."""
import json

import pytest

from harness_aws import AWS
from harness_processes import FakeAPIServer, Moto, controller_executable


@pytest.fixture(scope="session")
def moto():
    server = Moto()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def admin(moto):
    """The administrator (allow-all), created while auth is still off; auth is on from then on."""
    bootstrap = AWS(moto.endpoint, "bootstrap", "bootstrap")
    iam = bootstrap.client("iam")
    iam.create_user(UserName="administrator")
    iam.put_user_policy(
        UserName="administrator",
        PolicyName="everything",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName="administrator")["AccessKey"]
    moto.auth_on()
    aws = AWS(moto.endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    denied = AWS(moto.endpoint, "AKIANOSUCHKEY0000000", "nope")
    with pytest.raises(Exception, match="InvalidClientTokenId|security token"):
        denied.client("sqs").list_queues()
    return aws


@pytest.fixture
def apiserver(tmp_path):
    """A fresh fake apiserver per test: a controller resumes the jobs it finds in node annotations, so nodes left by
    an earlier run would bring that run's lifecycle actions into this one."""
    server = FakeAPIServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def executable():
    """The release controller (a failed release build fails the tests)."""
    return controller_executable()
