"""The template's policy, end to end: the controller process holding only that policy handles a spot interruption
warning and an Auto Scaling terminate lifecycle action routed by the template's own rules, without one AccessDenied;
and without any single one of the policy's actions, it fails with a hint naming the missing permission."""
import uuid

import pytest

from harness_cfn import policy_actions, without_action
from harness_scenario import HEARTBEAT_ENVIRONMENT, Run, hint_pattern

ACTIONS = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "ec2:DescribeInstances",
    "autoscaling:CompleteLifecycleAction",
    "autoscaling:RecordLifecycleActionHeartbeat",
]


@pytest.fixture
def stack(admin):
    deployed = admin.deploy(f"nth-e2e-{uuid.uuid4().hex[:8]}", {"Name": f"nth-e2e-{uuid.uuid4().hex[:8]}"})
    yield deployed
    deployed.delete()


def test_the_policy_holds_exactly_the_actions_exercised_here(admin, stack):
    assert sorted(policy_actions(admin.policy_document(stack.outputs["PolicyARN"]))) == sorted(ACTIONS)


def test_the_templates_policy_alone_handles_a_spot_warning_and_a_lifecycle_action(admin, moto, apiserver, executable, stack):
    keys = admin.user_with_policy(policy_arn=stack.outputs["PolicyARN"])
    run = Run(admin, moto, apiserver, executable, stack.outputs["QueueURL"], keys, HEARTBEAT_ENVIRONMENT)
    try:
        run.wait("the spot node cordoned and drained", lambda: run.drained(run.spot_node))
        run.wait("the lifecycle node cordoned and drained", lambda: run.drained(run.asg_node))
        run.wait("a lifecycle heartbeat", run.heartbeats, timeout=45)
        run.wait("the lifecycle action completed", run.completions, timeout=45)
        run.wait("both messages deleted", run.queue_empty)
        metrics = run.controller.metrics()
    finally:
        status = run.stop()
    log = run.controller.log
    completions = run.completions()
    assert len(completions) == 1, completions
    assert completions[0]["LifecycleActionResult"] == "CONTINUE"
    assert completions[0]["AutoScalingGroupName"] == run.group
    assert run.queue_empty(), "nothing visible, nothing in flight"
    # Every action of the policy was used: receive and delete (above), visibility extensions, instance lookups.
    assert metrics.get('nth_sqs_visibility_extensions_total{result="ok"}', 0) > 0, run.controller.log_tail()
    assert metrics.get("nth_ec2_instance_lookups_total", 0) > 0
    assert "AccessDenied" not in log, run.controller.log_tail()
    assert "grant " not in log, run.controller.log_tail()
    assert status == 0, run.controller.log_tail()


@pytest.mark.parametrize(
    "action",
    ACTIONS,
)
def test_without_one_action_the_run_fails_with_a_hint_naming_it(admin, moto, apiserver, executable, stack, action):
    reduced = without_action(admin.policy_document(stack.outputs["PolicyARN"]), action)
    assert action not in policy_actions(reduced)
    keys = admin.user_with_policy(document=reduced)
    heartbeat = action == "autoscaling:RecordLifecycleActionHeartbeat"
    run = Run(
        admin, moto, apiserver, executable, stack.outputs["QueueURL"], keys, HEARTBEAT_ENVIRONMENT if heartbeat else {}
    )
    hint = hint_pattern(action)
    try:
        run.wait(f"the hint naming {action}", lambda: hint.search(run.controller.log), timeout=40 if heartbeat else 20)
        if action == "sqs:ReceiveMessage":
            assert not run.cordoned(run.spot_node) and not run.cordoned(run.asg_node)
        elif action == "ec2:DescribeInstances":
            assert not run.cordoned(run.spot_node), "no node is touched before its instance's managed tag is read"
        elif action == "sqs:DeleteMessage":
            run.wait("both nodes drained", lambda: run.drained(run.spot_node) and run.drained(run.asg_node))
            run.wait("the lifecycle action completed", run.completions)
        elif action == "sqs:ChangeMessageVisibility":
            run.wait("both nodes drained", lambda: run.drained(run.spot_node) and run.drained(run.asg_node))
        elif action == "autoscaling:CompleteLifecycleAction":
            run.wait("the lifecycle node drained", lambda: run.drained(run.asg_node))
        elif action == "autoscaling:RecordLifecycleActionHeartbeat":
            assert not run.heartbeats()
    finally:
        run.stop()
    log = run.controller.log
    assert "AccessDenied" in log, run.controller.log_tail()
    if action == "sqs:DeleteMessage":
        assert not run.queue_empty(), "the messages could not be deleted"
    if action == "autoscaling:CompleteLifecycleAction":
        assert not run.completions()
