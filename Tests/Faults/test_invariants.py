"""The invariant checker can fail: each invariant broken on purpose in a recorded run (ledgers as the proxy and the
fake apiserver keep them) is reported, and the same run unbroken passes."""
import copy
import json

from aws_proxy import Ledger
from burst import Message
from invariants import check

NODE = "ip-10-0-0-1.ec2.internal"
TOKEN = "3b0e7c1a-0000-4000-8000-000000000001"


class Proxy:
    def __init__(self, deletes, lifecycle=()):
        self.ledger = Ledger()
        self.ledger.deletes = deletes
        self.ledger.lifecycle = list(lifecycle)


class APIServer:
    def __init__(self, entries, unschedulable=True):
        self.entries = entries
        self.unschedulable = unschedulable

    def ledger(self):
        return {"entries": self.entries}

    def node(self, name):
        return {"spec": {"unschedulable": self.unschedulable}}


class Replica:
    def __init__(self, log="", peak=40 * 1024):
        self.log = log
        self.peak_rss_kib = peak


class Burst:
    def __init__(self, messages, pods):
        self.messages = messages
        self.pods = pods


def entry(method, path, time, user="nth-replica-a", status=201):
    return {"method": method, "path": path, "status": status, "time": time, "user": user, "query": ""}


def lifecycle_call(token=None, instance=None, time=15.0):
    return {"time": time, "action": "CompleteLifecycleAction", "faulted": False, "token": token, "instance": instance,
            "result": "CONTINUE"}


def recorded_run():
    message = Message(json.dumps({"detail": {}}), NODE, "lifecycle", deadline=1000.0, token=TOKEN)
    message.ids = ["m-1"]
    poison = Message("not json")
    poison.ids = ["m-2"]
    return {
        "burst": Burst([message], {NODE: ["web-1"]}),
        "poison": [poison],
        "proxy": Proxy(
            [{"time": 20.0, "id": "m-1", "handle": "h1", "ok": True}, {"time": 5.0, "id": "m-2", "handle": "h2", "ok": True}],
            [lifecycle_call(token=TOKEN)],
        ),
        "apiserver": APIServer([
            entry("PUT", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/nth", 1.0),
            entry("PATCH", f"/api/v1/nodes/{NODE}", 10.0, status=200),
            entry("POST", "/api/v1/namespaces/default/pods/web-1/eviction", 12.0),
        ]),
        "moto_calls": [{"Action": "CompleteLifecycleAction", "LifecycleActionToken": TOKEN,
                        "LifecycleActionResult": "CONTINUE"}],
        "replicas": [Replica(json.dumps({"msg": "message yields no event", "sqs.message.id": "m-2", "reason": "x"})),
                     Replica()],
    }


def run_check(run, **options):
    return check("recorded", run["burst"], run["poison"], [], run["proxy"], run["apiserver"], run["moto_calls"],
                 run["replicas"], queue_counts=options.pop("queue_counts", (0, 0)), **options)


def test_the_recorded_run_holds_every_invariant():
    outcome = run_check(recorded_run())
    assert outcome.violations == []
    assert "ok" in outcome.line()


def test_a_message_never_deleted_is_lost():
    run = recorded_run()
    run["proxy"].ledger.deletes[0]["ok"] = False
    assert any("never deleted" in text for text in run_check(run).violations)


def test_a_message_deleted_before_the_eviction_is_early():
    run = recorded_run()
    run["proxy"].ledger.deletes[0]["time"] = 11.0
    assert any("deleted before web-1 was evicted" in text for text in run_check(run).violations)


def test_a_message_deleted_before_the_cordon_is_early():
    run = recorded_run()
    run["proxy"].ledger.deletes[0]["time"] = 9.0
    assert any("before the node was cordoned" in text for text in run_check(run).violations)


def test_an_eviction_after_the_deadline_is_reported():
    run = recorded_run()
    run["burst"].messages[0].deadline = 11.0
    assert any("not evicted before its deadline" in text for text in run_check(run).violations)


def test_a_node_left_schedulable_is_reported():
    run = recorded_run()
    run["apiserver"].unschedulable = False
    assert any("not cordoned" in text for text in run_check(run).violations)


def test_a_token_completed_twice_is_reported():
    run = recorded_run()
    run["moto_calls"].append(copy.deepcopy(run["moto_calls"][0]))
    assert any("completed 2 times" in text for text in run_check(run).violations)


def test_a_completion_refused_as_done_is_reported_without_a_hand_over():
    run = recorded_run()
    run["burst"].messages[0].instance = "i-0123456789abcdef0"
    run["proxy"].ledger.lifecycle.append(lifecycle_call(instance="i-0123456789abcdef0", time=16.0))
    violations = run_check(run).violations
    assert any("completed again 1 times after it was done" in text for text in violations), violations


def test_one_completion_refused_as_done_is_allowed_per_hand_over():
    run = recorded_run()
    run["burst"].messages[0].instance = "i-0123456789abcdef0"
    run["proxy"].ledger.lifecycle.append(lifecycle_call(instance="i-0123456789abcdef0", time=16.0))
    run["apiserver"].entries.append(
        entry("PATCH", f"/api/v1/nodes/{NODE}", 17.0, user="nth-replica-b", status=200))
    outcome = run_check(run, handovers=1)
    assert outcome.violations == []
    assert "1 repeat refused" in outcome.line()
    run["proxy"].ledger.lifecycle.append(lifecycle_call(token=TOKEN, time=18.0))
    assert any("completed again 2 times" in text for text in run_check(run, handovers=1).violations)


def test_a_poison_message_deleted_without_a_reason_is_reported():
    run = recorded_run()
    run["replicas"][0].log = ""
    assert any("without a logged reason" in text for text in run_check(run).violations)


def test_two_leaders_writing_in_turn_overlap():
    run = recorded_run()
    run["apiserver"].entries += [
        entry("PATCH", f"/api/v1/nodes/{NODE}", 13.0, user="nth-replica-b", status=200),
        entry("PATCH", f"/api/v1/nodes/{NODE}", 14.0, user="nth-replica-a", status=200),
    ]
    violations = run_check(run, handovers=1).violations
    assert any("changed hands" in text for text in violations)


def test_one_hand_over_is_allowed_when_the_scenario_makes_one():
    run = recorded_run()
    run["apiserver"].entries.append(entry("PATCH", f"/api/v1/nodes/{NODE}", 13.0, user="nth-replica-b", status=200))
    assert run_check(run, handovers=1).violations == []
    assert any("changed hands" in text for text in run_check(run, handovers=0).violations)


def test_a_queue_left_with_messages_is_reported():
    assert any("still holds" in text for text in run_check(recorded_run(), queue_counts=(0, 1)).violations)


def test_rss_over_the_bound_is_reported():
    run = recorded_run()
    run["replicas"][1].peak_rss_kib = 512 * 1024
    assert any("peak RSS" in text for text in run_check(run).violations)
