"""deploy/aws/setup.sh and the template stay in step: the JSON the script prints equals the template rendered with the
same inputs, the script run against moto with the AWS CLI creates what the stack creates, and its policy alone
handles an interruption end to end."""
import ast
import json
import os
import subprocess
import uuid

import pytest

from harness_aws import ACCOUNT, REGION
from harness_cfn import SETUP_SCRIPT, Rendering, load_template
from harness_scenario import Run

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# (template parameters, the script's flags) that mean the same.
CASES = {
    "defaults": ({}, []),
    "kms, groups, no dlq": (
        {
            "KmsKeyArn": KEY,
            "AutoScalingGroupARNs": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/a,"
            f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/b",
            "EnableDeadLetterQueue": "false",
            "MessageRetentionSeconds": "600",
            "Name": "nth-other",
        },
        [
            "--kms-key-arn", KEY,
            "--asg-arns", f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/a,"
            f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/b",
            "--no-dlq", "--retention", "600", "--name", "nth-other",
        ],
    ),
    "roles": (
        {
            "OIDCIssuerURL": ISSUER,
            "PodIdentity": "true",
            "AutoScalingNotificationRole": "true",
            "ServiceAccountNamespace": "nth",
            "ServiceAccountName": "nth-controller",
            "MaxReceiveCount": "3",
        },
        [
            "--oidc-issuer", ISSUER, "--pod-identity", "--notification-role", "--namespace", "nth",
            "--service-account", "nth-controller", "--max-receive-count", "3",
        ],
    ),
}


def script(*arguments, env=None):
    result = subprocess.run(
        ["bash", str(SETUP_SCRIPT), *arguments], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def printed(flags, what):
    return json.loads(script("--region", REGION, "--account-id", ACCOUNT, *flags, f"--print-{what}"))


@pytest.mark.parametrize("case", CASES)
def test_the_printed_json_is_the_templates(case):
    parameters, flags = CASES[case]
    rendering = Rendering(load_template(), parameters)
    assert printed(flags, "policy") == rendering.managed_policy()
    assert printed(flags, "queue-policy") == rendering.queue_policy()
    assert printed(flags, "rules") == list(rendering.rules().values())
    queue = rendering.properties("Queue")
    attributes = printed(flags, "queue-attributes")
    assert json.loads(attributes.pop("Policy")) == rendering.queue_policy()
    if "RedrivePolicy" in queue:
        redrive = json.loads(attributes.pop("RedrivePolicy"))
        assert {key: str(value) for key, value in redrive.items()} == queue["RedrivePolicy"]
    expected = {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in queue.items()
        if key not in ("QueueName", "RedrivePolicy")
    }
    assert attributes == expected
    roles = [
        ("irsa", "IrsaRole"),
        ("pod-identity", "PodIdentityRole"),
        ("autoscaling-notifications", "AutoScalingNotificationsRole"),
    ]
    for kind, logical_id in roles:
        if rendering.exists(logical_id):
            trust = json.loads(
                script("--region", REGION, "--account-id", ACCOUNT, *flags, "--print-trust-policy", kind)
            )
            assert trust == rendering.trust_policy(logical_id), kind
    if rendering.exists("AutoScalingNotificationsRole"):
        inline = rendering.properties("AutoScalingNotificationsRole")["Policies"][0]["PolicyDocument"]
        assert printed(flags, "notification-policy") == inline


def test_the_script_refuses_what_the_template_refuses():
    for flags in (["--retention", "299"], ["--max-receive-count", "0"], ["--name", "a b"], ["--kms-key-arn", "alias/x"]):
        result = subprocess.run(
            ["bash", str(SETUP_SCRIPT), "--region", REGION, "--account-id", ACCOUNT, *flags, "--print-policy"],
            capture_output=True, text=True,
        )
        assert result.returncode == 64, flags
        assert "setup.sh:" in result.stderr


def run_script(admin, flags):
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=admin.access_key,
        AWS_SECRET_ACCESS_KEY=admin.secret_key,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.pop("AWS_PROFILE", None)
    output = script("--region", REGION, "--endpoint-url", admin.endpoint, *flags, env=env)
    return dict(line.split(": ", 1) for line in output.splitlines() if ": " in line)


def normalized(value, old, new):
    return json.loads(json.dumps(value).replace(old, new))


@pytest.fixture(scope="module")
def applied(admin):
    """The stack and the script, applied with the same inputs (but their own names), the script twice."""
    parameters, flags = CASES["roles"]
    stack_name, script_name = f"nth-cfn-{uuid.uuid4().hex[:6]}", f"nth-cli-{uuid.uuid4().hex[:6]}"
    stack = admin.deploy(stack_name, dict(parameters, Name=stack_name))
    outputs = run_script(admin, flags + ["--name", script_name])
    again = run_script(admin, flags + ["--name", script_name])
    return stack, stack_name, script_name, outputs, again


def test_the_script_creates_what_the_stack_creates(admin, applied):
    stack, stack_name, script_name, outputs, again = applied
    assert again == outputs, "a second run changes nothing visible"
    sqs, events, iam = admin.client("sqs"), admin.client("events"), admin.client("iam")

    def queue(name):
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        keep = ("MessageRetentionPeriod", "VisibilityTimeout", "SqsManagedSseEnabled", "KmsMasterKeyId", "QueueArn")
        shown = {key: attributes[key] for key in keep if key in attributes}
        if "RedrivePolicy" in attributes:
            shown["RedrivePolicy"] = {k: str(v) for k, v in json.loads(attributes["RedrivePolicy"]).items()}
        return url, shown, attributes

    for suffix in ("", "-dlq"):
        _, from_stack, _ = queue(stack_name + suffix)
        _, from_script, _ = queue(script_name + suffix)
        assert normalized(from_stack, stack_name, script_name) == from_script, suffix
    _, _, attributes = queue(script_name)
    assert outputs["QueueURL"] == sqs.get_queue_url(QueueName=script_name)["QueueUrl"]
    # moto keeps the queue policy the script sets (CloudFormation's AWS::SQS::QueuePolicy it skips).
    rendering = Rendering(load_template(), dict(CASES["roles"][0], Name=script_name))
    assert json.loads(attributes["Policy"]) == rendering.queue_policy()

    def rules(name):
        found = {}
        for rule in events.list_rules(NamePrefix=name + "-")["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            found[rule["Name"]] = {
                "pattern": json.loads(rule["EventPattern"]),
                "state": rule["State"],
                "description": rule.get("Description"),
                "targets": [{"Id": t["Id"], "Arn": t["Arn"]} for t in targets],
            }
        return found

    assert len(rules(script_name)) == 6
    assert normalized(rules(stack_name), stack_name, script_name) == rules(script_name)

    assert normalized(
        admin.policy_document(stack.outputs["PolicyARN"]), stack_name, script_name
    ) == admin.policy_document(outputs["PolicyARN"])
    versions = iam.list_policy_versions(PolicyArn=outputs["PolicyARN"])["Versions"]
    assert len(versions) == 2, "the second run made a new default version"

    logical_ids = {
        "-irsa": "IrsaRole",
        "-pod-identity": "PodIdentityRole",
        "-autoscaling-notifications": "AutoScalingNotificationsRole",
    }
    for suffix in logical_ids:
        stack_role = iam.get_role(RoleName=stack_name + suffix)["Role"]
        script_role = iam.get_role(RoleName=script_name + suffix)["Role"]
        assert normalized(stack_role["AssumeRolePolicyDocument"], stack_name, script_name) == script_role[
            "AssumeRolePolicyDocument"
        ], suffix
        assert script_role["Description"] == stack_role["Description"]
        # moto's CloudFormation ignores a role's ManagedPolicyArns: compared with the template's rendering instead.
        attached = iam.list_attached_role_policies(RoleName=script_name + suffix)["AttachedPolicies"]
        assert [policy["PolicyArn"] for policy in attached] == rendering.properties(logical_ids[suffix]).get(
            "ManagedPolicyArns", []
        ), suffix
    def inline(name):
        document = iam.get_role_policy(RoleName=name, PolicyName="send-to-interruption-queue")["PolicyDocument"]
        if isinstance(document, str):  # moto keeps a CloudFormation inline policy as Python's repr of the dict
            document = ast.literal_eval(document)
        return document

    assert normalized(inline(stack_name + "-autoscaling-notifications"), stack_name, script_name) == inline(
        script_name + "-autoscaling-notifications"
    )

    # The stack's outputs in moto lack RoleARN (test_template_deploy.py says why): the rendering's are compared.
    expected_outputs = {
        key: value.replace(f"https://sqs.{REGION}.amazonaws.com/", f"{admin.endpoint}/")  # the queue URL's host
        for key, value in rendering.outputs().items()
    }
    assert outputs == expected_outputs


def test_the_scripts_policy_alone_handles_an_interruption(admin, moto, apiserver, executable, applied):
    _, _, _, outputs, _ = applied
    keys = admin.user_with_policy(policy_arn=outputs["PolicyARN"])
    run = Run(admin, moto, apiserver, executable, outputs["QueueURL"], keys)
    try:
        run.wait("the spot node cordoned and drained", lambda: run.drained(run.spot_node))
        run.wait("the lifecycle node cordoned and drained", lambda: run.drained(run.asg_node))
        run.wait("the lifecycle action completed", run.completions)
        run.wait("both messages deleted", run.queue_empty)
    finally:
        status = run.stop()
    assert len(run.completions()) == 1
    assert "AccessDenied" not in run.controller.log, run.controller.log_tail()
    assert status == 0
