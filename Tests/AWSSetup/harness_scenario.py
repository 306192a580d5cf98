"""One end-to-end run: a spot interruption warning and an Auto Scaling terminate lifecycle action, published through
EventBridge PutEvents and routed by the deployed rules to the queue, handled by the controller process running with
one identity's keys."""
import re
import uuid

from harness_aws import REGION, spot_warning, terminate_lifecycle_action
from harness_processes import Controller, wait_for

# Heartbeats come every HEARTBEAT_INTERVAL seconds (30 at least) from the first receive; the completion delay keeps
# the terminate job alive past the first one.
HEARTBEAT_ENVIRONMENT = {"HEARTBEAT_INTERVAL": "30", "HEARTBEAT_UNTIL": "60", "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS": "33"}


def hint_pattern(action):
    """The controller's advice for an AccessDenied answer, naming exactly `action` (not a longer name)."""
    return re.compile(r"grant " + re.escape(action) + r"(?![A-Za-z])")


class Run:
    """What one run set up and started."""

    def __init__(self, aws, moto, apiserver, executable, queue_url, keys, extra_environment=None):
        self.aws = aws
        self.moto = moto
        self.apiserver = apiserver
        self.queue_url = queue_url
        suffix = uuid.uuid4().hex[:6]
        self.group, self.hook, instances = aws.managed_group(2)
        self.spot, self.asg = instances
        self.spot_node = self.spot["dns"]
        self.asg_node = self.asg["dns"]
        for instance in instances:
            apiserver.add_node(instance["dns"], instance["id"], instance["zone"])
            # A 2-second grace period: the drain outlives a visibility-extension period.
            apiserver.add_pod(f"web-{suffix}-{instance['id']}", instance["dns"], grace_seconds=2)
        self.lifecycle = terminate_lifecycle_action(self.asg["id"], self.group, self.hook)
        self.token = self.lifecycle["detail"]["LifecycleActionToken"]
        aws.put_events([spot_warning(self.spot["id"]), self.lifecycle])
        wait_for("both events routed to the queue", lambda: sum(aws.queue_counts(queue_url)) == 2, timeout=10)
        environment = {
            "QUEUE_URL": queue_url,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT": moto.endpoint,
            "AWS_ACCESS_KEY_ID": keys[0],
            "AWS_SECRET_ACCESS_KEY": keys[1],
            "NAMESPACE": "kube-system",
            "POD_NAME": f"nth-aws-setup-{suffix}",
            "NTH_LEADER_ELECTION": "false",
            "NTH_RECEIVE_WAIT_SECONDS": "1",
            "SQS_MSG_VISIBILITY_TIMEOUT_SEC": "4",
            "NTH_VISIBILITY_EXTENSION_SECONDS": "1",
            "NTH_LOG_LEVEL": "debug",
            **(extra_environment or {}),
        }
        self.controller = Controller(executable, apiserver.kubeconfig, environment)

    # Observations

    def cordoned(self, node):
        return bool(self.apiserver.node(node)["spec"].get("unschedulable"))

    def drained(self, node):
        return self.cordoned(node) and not self.apiserver.pods_on(node)

    def completions(self):
        return [
            call
            for call in self.moto.lifecycle_calls()
            if call["Action"] == "CompleteLifecycleAction" and call["LifecycleActionToken"] == self.token
        ]

    def heartbeats(self):
        return [
            call
            for call in self.moto.lifecycle_calls()
            if call["Action"] == "RecordLifecycleActionHeartbeat" and call["LifecycleActionToken"] == self.token
        ]

    def queue_empty(self):
        return self.aws.queue_counts(self.queue_url) == (0, 0)

    def wait(self, what, condition, timeout=20.0):
        return wait_for(what, condition, timeout=timeout, details=self.controller.log_tail)

    def stop(self):
        return self.controller.stop()
