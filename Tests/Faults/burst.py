"""A burst of interruptions: the cluster it lands on (an Auto Scaling group in moto with a terminate lifecycle hook,
one node per instance in the fake apiserver with workload pods, one node guarded by a PodDisruptionBudget that
unblocks later) and the EventBridge events that announce it, sent to the queue as EventBridge delivers them.

Kinds, in every burst: spot interruption warnings (one of them on the PDB-guarded node), Auto Scaling terminate
lifecycle actions (with tokens), EC2 state changes to `stopping`, and an AWS Health scheduled change. Each message is
remembered with its node, kind, deadline and lifecycle token for the invariants."""
import datetime
import json
import uuid

from harness_aws import ACCOUNT, REGION, fixture_event, spot_warning, terminate_lifecycle_action

PODS_PER_NODE = 3
GRACE_SECONDS = 1
SPOT_SECONDS = 120
HOOK_TIMEOUT_SECONDS = 300  # harness_aws.managed_group's HeartbeatTimeout
KINDS = ("spot", "spot", "spot", "spot", "lifecycle", "lifecycle", "lifecycle", "stopping", "stopping", "health")


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Message:
    """One message of the burst: what it announces and what the invariants expect of it."""

    def __init__(self, body, node=None, kind="poison", deadline=None, token=None, instance=None):
        self.body = body
        self.node = node
        self.instance = instance
        self.kind = kind
        self.deadline = deadline  # epoch seconds, or None (no deadline of its own: drained when the run ends)
        self.token = token
        self.ids = []  # SQS message ids (a duplicate is sent twice)


class Burst:
    def __init__(self, admin, apiserver, size=len(KINDS)):
        self.admin = admin
        self.apiserver = apiserver
        self.kinds = [KINDS[index % len(KINDS)] for index in range(size)]
        self.group, self.hook, instances = admin.managed_group(size + 1)
        self.instances = instances[:size]
        self.spare = instances[size]
        self.nodes = [instance["dns"] for instance in self.instances]
        self.pods = {}  # node -> pod names the drain must evict
        for instance in instances:
            self._add_node(instance)
        for node in self.nodes:
            self.pods[node] = [self._add_pod(f"w-{uuid.uuid4().hex[:6]}-{index}", node) for index in range(PODS_PER_NODE)]
        # The guard: one pod of app=guarded on the first spot node, a budget that wants one healthy, so its eviction
        # is refused until `unblock` adds a second healthy pod elsewhere.
        self.guarded_node = self.nodes[self.kinds.index("spot")]
        self.pods[self.guarded_node].append(self._add_pod("guarded-0", self.guarded_node, app="guarded"))
        apiserver.seed({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "guarded", "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guarded"}}},
        })
        self.messages = []

    def _add_node(self, instance):
        self.apiserver.seed({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": instance["dns"], "labels": {"kubernetes.io/hostname": instance["dns"]}},
            "spec": {"providerID": f"aws:///{instance['zone']}/{instance['id']}"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]},
        })

    def _add_pod(self, name, node, app="web"):
        self.apiserver.seed({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": name, "namespace": "default", "labels": {"app": app},
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": app, "uid": f"rs-{app}", "controller": True}
                ],
            },
            "spec": {
                "nodeName": node, "terminationGracePeriodSeconds": GRACE_SECONDS,
                "containers": [{"name": "main", "image": "busybox"}],
            },
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        })
        return name

    def unblock(self):
        """A second healthy guarded pod on the spare node: the budget now allows one disruption."""
        self._add_pod("guarded-1", self.spare["dns"], app="guarded")

    # Events

    def build(self):
        """The burst's messages, one per interrupted node."""
        now = _now()
        for instance, node, kind in zip(self.instances, self.nodes, self.kinds):
            if kind == "spot":
                event = spot_warning(instance["id"])
                deadline = now + datetime.timedelta(seconds=SPOT_SECONDS)
                event["detail"]["instance-action"] = "terminate"
                event["detail"]["instance-action-time"] = _stamp(deadline)
                token = None
            elif kind == "lifecycle":
                event = terminate_lifecycle_action(instance["id"], self.group, self.hook)
                deadline = now + datetime.timedelta(seconds=HOOK_TIMEOUT_SECONDS)
                token = event["detail"]["LifecycleActionToken"]
            elif kind == "stopping":
                event = fixture_event("instance-state-change-stopping.json")
                event["detail"]["instance-id"] = instance["id"]
                event["resources"] = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance['id']}"]
                deadline, token = None, None
            else:
                event = fixture_event("health-scheduled-change.json")
                start = now + datetime.timedelta(minutes=10)
                event["detail"]["startTime"] = start.strftime("%a, %d %b %Y %H:%M:%S GMT")
                event["detail"]["endTime"] = (start + datetime.timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
                event["detail"]["affectedEntities"] = [{"entityValue": instance["id"]}]
                event["resources"] = [instance["id"]]
                deadline, token = start, None
            event["id"] = str(uuid.uuid4())
            event["time"] = _stamp(now)
            event["account"] = ACCOUNT
            event["region"] = REGION
            self.messages.append(
                Message(json.dumps(event), node, kind, deadline and deadline.timestamp(), token, instance["id"]))
        return self.messages

    def poison(self):
        """Messages that announce nothing: not JSON, an unknown kind, and EventBridge's test shape with no detail."""
        unknown = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Some Other Service Event", "source": "aws.other",
            "account": ACCOUNT, "time": _stamp(_now()), "region": REGION, "resources": [], "detail": {"x": 1},
        }
        return [Message("this is not JSON {"), Message(json.dumps(unknown))]

    def send(self, messages, queue_url, duplicate=()):
        """Sends `messages` to the queue (batches of ten); those in `duplicate` twice."""
        sqs = self.admin.client("sqs")
        self.admin.announce_lifecycle_actions(
            [(self.group, self.hook, message.instance, message.token) for message in messages if message.token])
        entries = [(message, message.body) for message in messages]
        entries += [(message, message.body) for message in duplicate]
        for start in range(0, len(entries), 10):
            chunk = entries[start:start + 10]
            answer = sqs.send_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(index), "MessageBody": body} for index, (_, body) in enumerate(chunk)],
            )
            assert not answer.get("Failed"), answer
            for sent in answer["Successful"]:
                chunk[int(sent["Id"])][0].ids.append(sent["MessageId"])
