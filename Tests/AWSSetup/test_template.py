"""The CloudFormation template: cfn-lint finds nothing, moto's CloudFormation deploys it, what moto creates is what the
template says (the same rendering the documentation and setup.sh are checked against), and its rules route the events
the controller handles, and only those, to the queue."""
import ast
import json
import subprocess
import uuid

import pytest

from harness_aws import ACCOUNT, REGION, fixture_event
from harness_cfn import TEMPLATE_PATH, Rendering, load_template

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EVERYTHING = {
    "OIDCIssuerURL": ISSUER,
    "PodIdentity": "true",
    "AutoScalingNotificationRole": "true",
    "KmsKeyArn": KEY,
    "AutoScalingGroupARNs": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/a",
}

# What moto 5.2 cannot show, each checked another way (the rendering, the script's copy in moto, the docs):
UNVERIFIED_IN_MOTO = {
    "QueuePolicy": "AWS::SQS::QueuePolicy is not implemented by moto's CloudFormation (the resource is skipped); "
    "the script's identical policy is stored by moto (test_setup_script.py) but moto never enforces queue policies",
    "ManagedPolicyArns": "moto's CloudFormation does not attach a role's ManagedPolicyArns",
    "RoleARN": "moto drops an output whose Condition is an Fn::Or of conditions",
    "KMS": "moto accepts any KmsMasterKeyId and never checks kms:Decrypt or the key policy",
    "Trust": "moto does not evaluate the IRSA/Pod Identity trust conditions (any web identity token is accepted)",
}


def test_cfn_lint_finds_nothing():
    result = subprocess.run(["cfn-lint", "--format", "parseable", str(TEMPLATE_PATH)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_cfn_lint_would_catch_a_broken_template(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE_PATH.read_text().replace("!GetAtt Queue.Arn", "!GetAtt Queue.Nope", 1))
    result = subprocess.run(["cfn-lint", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and "Nope" in result.stdout


def test_the_two_statement_lists_differ_only_by_the_key():
    """The policy's statements are written twice (CloudFormation drops an AWS::NoValue list element, moto does not)."""
    template = load_template()
    for parameters in ({}, {"AutoScalingGroupARNs": "arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/x"}):
        without = Rendering(template, parameters).managed_policy()["Statement"]
        with_key = Rendering(template, dict(parameters, KmsKeyArn=KEY)).managed_policy()["Statement"]
        assert with_key[:-1] == without
        assert with_key[-1] == {"Sid": "QueueKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}
    role = lambda parameters: Rendering(template, parameters).properties("AutoScalingNotificationsRole")["Policies"]
    without = role({"AutoScalingNotificationRole": "true"})[0]["PolicyDocument"]["Statement"]
    with_key = role({"AutoScalingNotificationRole": "true", "KmsKeyArn": KEY})[0]["PolicyDocument"]["Statement"]
    assert with_key[:-1] == without and with_key[-1]["Resource"] == KEY


def test_the_dead_letter_queue_agrees_with_the_controllers_receive_count():
    parameters = load_template()["Parameters"]
    # NTH_MAX_RECEIVE_COUNT's default (docs/architecture.md): from that receive on a failing message is no longer
    # released, and SQS moves it on the next receive when maxReceiveCount is the same number.
    assert parameters["MaxReceiveCount"]["Default"] == 5
    assert parameters["EnableDeadLetterQueue"]["Default"] == "true"
    assert parameters["MessageRetentionSeconds"]["Default"] >= 300


@pytest.mark.parametrize("parameters", [{}, EVERYTHING], ids=["defaults", "everything"])
def test_moto_deploys_what_the_template_says(admin, parameters):
    name = f"nth-deploy-{uuid.uuid4().hex[:6]}"
    stack = admin.deploy(name, dict(parameters, Name=name))
    rendering = Rendering(load_template(), dict(parameters, Name=name))
    expected = {
        logical_id for logical_id in rendering.template["Resources"] if rendering.exists(logical_id)
    } - {"QueuePolicy"}
    created = {logical_id for logical_id, r in stack.resources.items() if r["ResourceStatus"] == "CREATE_COMPLETE"}
    assert expected <= created

    sqs, events, iam = admin.client("sqs"), admin.client("events"), admin.client("iam")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    queue = rendering.properties("Queue")
    assert attributes["MessageRetentionPeriod"] == queue["MessageRetentionPeriod"] == "7200"
    assert attributes["VisibilityTimeout"] == "20"
    if "KmsKeyArn" in parameters:
        assert attributes["KmsMasterKeyId"] == KEY
    else:
        assert attributes["SqsManagedSseEnabled"] == "true" and "KmsMasterKeyId" not in attributes
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq"
    assert int(redrive["maxReceiveCount"]) == 5

    for rule_name, rule in rendering.rules().items():
        described = events.describe_rule(Name=rule_name)
        assert json.loads(described["EventPattern"]) == rule["EventPattern"], rule_name
        assert described["State"] == "ENABLED"
        targets = events.list_targets_by_rule(Rule=rule_name)["Targets"]
        assert [{"Id": t["Id"], "Arn": t["Arn"]} for t in targets] == rule["Targets"]

    assert admin.policy_document(stack.outputs["PolicyARN"]) == rendering.managed_policy()
    for logical_id in ("IrsaRole", "PodIdentityRole", "AutoScalingNotificationsRole"):
        if rendering.exists(logical_id):
            role = iam.get_role(RoleName=rendering.properties(logical_id)["RoleName"])["Role"]
            assert role["AssumeRolePolicyDocument"] == rendering.trust_policy(logical_id), logical_id
    if rendering.exists("AutoScalingNotificationsRole"):
        document = iam.get_role_policy(
            RoleName=f"{name}-autoscaling-notifications", PolicyName="send-to-interruption-queue"
        )["PolicyDocument"]
        document = ast.literal_eval(document) if isinstance(document, str) else document  # moto keeps a repr
        assert document == rendering.properties("AutoScalingNotificationsRole")["Policies"][0]["PolicyDocument"]

    rendered_outputs = rendering.outputs()
    missing = set(rendered_outputs) - set(stack.outputs)
    assert missing <= {"RoleARN"}, f"outputs moto did not produce: {missing}"
    for key, value in stack.outputs.items():
        assert value == rendered_outputs[key], key
    if "OIDCIssuerURL" in parameters:
        assert rendered_outputs["HelmValues"] == (
            f"queueURL=https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name},awsRegion={REGION},"
            f"serviceAccount.name=node-termination-handler,"
            rf"serviceAccount.annotations.eks\.amazonaws\.com/role-arn=arn:aws:iam::{ACCOUNT}:role/{name}-irsa"
        )
    stack.delete()


def test_the_rules_route_what_the_controller_handles_and_drop_the_rest(admin):
    name = f"nth-routing-{uuid.uuid4().hex[:6]}"
    stack = admin.deploy(name, {"Name": name})
    routed = [
        "spot-interruption-warning.json",
        "rebalance-recommendation.json",
        "instance-state-change-stopping.json",
        "health-scheduled-change.json",
        "asg-terminate-lifecycle-eventbridge.json",
        "asg-launch-lifecycle-eventbridge.json",
    ]
    dropped = ["instance-state-change-running.json"]
    other = fixture_event("health-scheduled-change.json")
    other["detail"]["service"] = "RDS"
    envelopes = [fixture_event(file) for file in routed + dropped] + [other]
    for envelope in envelopes:
        envelope["detail"]["nth-test-marker"] = name
    admin.put_events(envelopes)
    bodies = admin.receive_all(stack.outputs["QueueURL"])
    received = sorted((body["source"], body["detail-type"], json.dumps(body["detail"], sort_keys=True)) for body in bodies)
    expected = sorted(
        (envelope["source"], envelope["detail-type"], json.dumps(envelope["detail"], sort_keys=True))
        for envelope in envelopes[: len(routed)]
    )
    assert received == expected
    stack.delete()


def test_the_list_of_what_moto_cannot_verify_is_current(admin):
    """Fails when moto learns one of them, so that the list (and the report) stays true."""
    name = f"nth-gaps-{uuid.uuid4().hex[:6]}"
    stack = admin.deploy(name, dict(EVERYTHING, Name=name))
    assert "QueuePolicy" not in stack.resources or stack.resources["QueuePolicy"]["PhysicalResourceId"] in ("", None)
    attributes = admin.client("sqs").get_queue_attributes(
        QueueUrl=admin.client("sqs").get_queue_url(QueueName=name)["QueueUrl"], AttributeNames=["Policy"]
    ).get("Attributes", {})
    assert "Policy" not in attributes, UNVERIFIED_IN_MOTO["QueuePolicy"]
    attached = admin.client("iam").list_attached_role_policies(RoleName=f"{name}-irsa")["AttachedPolicies"]
    assert attached == [], UNVERIFIED_IN_MOTO["ManagedPolicyArns"]
    assert "RoleARN" not in stack.outputs, UNVERIFIED_IN_MOTO["RoleARN"]
    stack.delete()
