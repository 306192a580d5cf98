"""The invariants every scenario must hold afterwards, computed from what the peers saw: the AWS proxy's ledger
(receives, deletes with their per-entry results, lifecycle calls), moto's accepted lifecycle calls, the fake
apiserver's ledger (every request with its identity and time) and its final objects, the controllers' JSON logs and
peak RSS."""
import json

RSS_BOUND_KIB = 96 * 1024
LEASE_PATH = "/apis/coordination.k8s.io/"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class Outcome:
    """The figures of one scenario, and the violations found (empty when every invariant holds)."""

    def __init__(self, name):
        self.name = name
        self.violations = []
        self.figures = {}

    def fail(self, text):
        self.violations.append(text)

    def line(self):
        f = self.figures
        verdict = "ok" if not self.violations else f"FAILED ({len(self.violations)})"
        return (
            f"{self.name:<34} {verdict:<10} messages {f.get('messages', 0):>3} lost {f.get('lost', '?')} "
            f"early {f.get('early', '?')} | cordoned {f.get('cordoned', '?')} | evicted in time {f.get('in_time', '?')}"
            f" | lifecycle {f.get('lifecycle', '?')} | writers {f.get('writers', '?')} | RSS {f.get('rss', '?')}"
            f" | recovered {f.get('recovery', '?')}"
        )


def _log_records(text):
    for line in text.splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue


def check(name, burst, poison, injected, proxy, apiserver, moto_calls, replicas, *, queue_counts,
          handovers=0, lifecycle_refused=False, fault_ended_at=None):
    outcome = Outcome(name)
    ledger = proxy.ledger.snapshot()
    entries = apiserver.ledger()["entries"]
    deletes = {}
    for delete in ledger["deletes"]:
        if delete["ok"] and delete["id"] is not None:
            deletes.setdefault(delete["id"], delete["time"])
    messages = burst.messages + poison
    all_ids = [message_id for message in messages for message_id in message.ids] + list(injected)
    outcome.figures["messages"] = len(all_ids)

    # 0 messages lost: every message deleted, nothing left visible or in flight.
    lost = [message_id for message_id in all_ids if message_id not in deletes]
    outcome.figures["lost"] = len(lost)
    if lost:
        outcome.fail(f"{len(lost)} messages never deleted: {lost[:5]}")
    if queue_counts != (0, 0):
        outcome.fail(f"the queue still holds messages (visible, in flight) = {queue_counts}")

    # Messages without an event are deleted with a reason in the log.
    logged = {}
    for replica in replicas:
        for record in _log_records(replica.log):
            if "sqs.message.id" in record and "reason" in record:
                logged[record["sqs.message.id"]] = record["reason"]
    for message in poison:
        for message_id in message.ids:
            if message_id in deletes and message_id not in logged:
                outcome.fail(f"poison message {message_id} deleted without a logged reason")
    for message_id in injected:
        if message_id in deletes and message_id not in logged:
            outcome.fail(f"oversized message {message_id} deleted without a logged reason")

    # The node side, from the apiserver's ledger: first write to the node (the cordon), each pod's eviction.
    first_node_write = {}
    evicted_at = {}
    for entry in entries:
        ok = 200 <= entry["status"] < 300
        if not ok or entry["method"] not in WRITE_METHODS:
            continue
        path = entry["path"]
        if path.startswith("/api/v1/nodes/"):
            first_node_write.setdefault(path.rsplit("/", 1)[-1], entry["time"])
        elif path.endswith("/eviction") or (entry["method"] == "DELETE" and "/pods/" in path):
            pod = path.rstrip("/").split("/pods/", 1)[1].split("/", 1)[0]
            evicted_at.setdefault(pod, entry["time"])

    early = []
    late = []
    cordoned = 0
    drainable = 0
    in_time = 0
    for message in burst.messages:
        node = message.node
        state = apiserver.node(node)
        if state.get("spec", {}).get("unschedulable"):
            cordoned += 1
        else:
            outcome.fail(f"node {node} ({message.kind}) not cordoned at the end")
        deleted = min((deletes[i] for i in message.ids if i in deletes), default=None)
        deadline = message.deadline
        for pod in burst.pods[node]:
            drainable += 1
            when = evicted_at.get(pod)
            if when is not None and (deadline is None or when <= deadline):
                in_time += 1
            else:
                late.append(f"{pod} on {node}: evicted at {when}, deadline {deadline}")
            if deleted is not None and (when is None or when > deleted) and (deadline is None or deleted < deadline):
                early.append(f"{message.kind} message for {node} deleted before {pod} was evicted")
        if deleted is not None and (node not in first_node_write or first_node_write[node] > deleted):
            early.append(f"{message.kind} message for {node} deleted before the node was cordoned")
    outcome.figures["early"] = len(early)
    outcome.figures["cordoned"] = f"{cordoned}/{len(burst.messages)}"
    outcome.figures["in_time"] = f"{in_time}/{drainable}"
    for text in early:
        outcome.fail(text)
    for text in late:
        outcome.fail(f"not evicted before its deadline: {text}")

    # Lifecycle actions: completed at most once, with CONTINUE; exactly once unless Auto Scaling refuses. A call
    # names the action by its token, or (a job resumed from a node's annotations) by the instance id. moto, like
    # Auto Scaling, refuses a completion of an action it completed already ("No active Lifecycle Action found"): a
    # repeat is allowed only after a hand-over (the old leader completed the action, then lost the apiserver before
    # it could clear the node's job state, and the new leader resumed the job), once per hand-over.
    lifecycle = [message for message in burst.messages if message.token]
    completions = {}
    attempts = {}
    answered = {}
    for message in lifecycle:
        def names(call_token, call_instance, message=message):
            return call_token == message.token or (call_token is None and call_instance == message.instance)
        completions[message.token] = [
            call for call in moto_calls if call["Action"] == "CompleteLifecycleAction"
            and names(call.get("LifecycleActionToken"), call.get("InstanceId"))]
        attempts[message.token] = sum(
            1 for call in ledger["lifecycle"]
            if call["action"] == "CompleteLifecycleAction" and names(call["token"], call["instance"]))
        answered[message.token] = sum(
            1 for call in ledger["lifecycle"]
            if call["action"] == "CompleteLifecycleAction" and not call["faulted"]
            and names(call["token"], call["instance"]))
    tokens = [message.token for message in lifecycle]
    for token in tokens:
        accepted = completions.get(token, [])
        if len(accepted) > 1:
            outcome.fail(f"lifecycle token {token} completed {len(accepted)} times")
        if any(call["LifecycleActionResult"] != "CONTINUE" for call in accepted):
            outcome.fail(f"lifecycle token {token} completed with {accepted}")
        if lifecycle_refused:
            if attempts.get(token, 0) == 0:
                outcome.fail(f"lifecycle token {token} never tried")
        elif len(accepted) != 1:
            outcome.fail(f"lifecycle token {token} completed {len(accepted)} times, not once")
        repeats = max(0, answered.get(token, 0) - len(accepted))
        if not lifecycle_refused and repeats > handovers:
            outcome.fail(
                f"lifecycle token {token} completed again {repeats} times after it was done (refused as no longer "
                f"active; allowed {handovers}, one per hand-over)")
    accepted_total = sum(len(completions.get(token, [])) for token in tokens)
    repeats_total = 0 if lifecycle_refused else sum(
        max(0, answered.get(token, 0) - len(completions.get(token, []))) for token in tokens)
    outcome.figures["lifecycle"] = (
        f"{accepted_total}/{len(tokens)} completed" + (f", {sum(attempts.values())} tries" if lifecycle_refused else "")
        + (f", {repeats_total} repeat{'s' if repeats_total != 1 else ''} refused" if repeats_total else "")
    )

    # No overlap of two leaders' writes: in the ledger's order, writes (leases aside) change hands at most once per
    # hand-over, and an earlier writer never writes again after a later one began.
    writers = []
    for entry in entries:
        if entry["method"] in WRITE_METHODS and not entry["path"].startswith(LEASE_PATH):
            user = entry.get("user")
            if not writers or writers[-1] != user:
                writers.append(user)
    if len(writers) - 1 > handovers or len(set(writers)) != len(writers):
        outcome.fail(f"writes changed hands {len(writers) - 1} times (allowed {handovers}): {writers}")
    outcome.figures["writers"] = " > ".join(str(writer).removeprefix("nth-replica-") for writer in writers) or "none"

    peak = max(replica.peak_rss_kib for replica in replicas)
    outcome.figures["rss"] = f"{peak / 1024:.0f} MiB"
    if peak > RSS_BOUND_KIB:
        outcome.fail(f"peak RSS {peak / 1024:.0f} MiB over {RSS_BOUND_KIB / 1024:.0f} MiB")

    if fault_ended_at is not None and deletes:
        last = max(deletes[i] for i in all_ids if i in deletes)
        outcome.figures["recovery"] = f"{max(0.0, last - fault_ended_at):.1f} s"
    return outcome
