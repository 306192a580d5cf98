"""The fault suite: each test is one fault injected mid-burst into the built processes (two replicas of
`node-termination-handler run`, the fake apiserver over HTTPS with the chart's RBAC, moto behind the fault proxy),
then the invariants of invariants.py. docs/reliability.md has the table this prints."""
import time

import pytest

from aws_proxy import Rule
from conftest import RESULTS
from scenario import Run, Scenario
from world import LEASE


def _apiserver_down(run):
    run.apiserver.stop()


def _apiserver_up(run):
    run.apiserver.start()


def _throttle(run):
    run.apiserver.set_faults({"errors": {
        "evict": {"rate": 0.6, "status": 429, "retryAfterSeconds": 1},
        "patch": {"rate": 0.6, "status": 429, "retryAfterSeconds": 1},
    }})
    time.sleep(6)  # the storm's length
    run.apiserver.set_faults({"errors": {"list": {"rate": 0.7, "status": 500}}})
    run.apiserver.compact()
    run.apiserver.close_watches()  # resumes get 410, the relists meet the 5xx burst


def _cut_watches(run):
    for _ in range(3):
        run.apiserver.close_watches()
        time.sleep(1)  # spacing between cuts (the fault's shape)
    run.apiserver.compact()
    run.apiserver.close_watches()


def _lag_cache(run):
    run.apiserver.set_faults({"cacheLagMilliseconds": 2000})


def _clear_apiserver_faults(run):
    run.apiserver.clear_faults()


SQS_ACTIONS = {"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility",
               "ChangeMessageVisibilityBatch"}


def _sqs_errors(run):
    # Each SQS call in turn: a 500, both throttling errors, a reset connection, a truncated answer, then one through.
    run.proxy.set_rules(
        Rule("sqs", SQS_ACTIONS, status=500, code="InternalFailure"),
        Rule("sqs", SQS_ACTIONS, status=400, code="ThrottlingException", message="Rate exceeded"),
        Rule("sqs", SQS_ACTIONS, status=400, code="RequestThrottled", message="Request is throttled."),
        Rule("sqs", SQS_ACTIONS, kind="reset"),
        Rule("sqs", SQS_ACTIONS, kind="truncate"),
        None,
        cycle=True,
    )
    time.sleep(8)  # the error phase's length
    run.proxy.set_rules(Rule("sqs", SQS_ACTIONS, kind="latency", latency=1.0))


def _proxy_clear(run):
    run.proxy.clear()


def _leader_takeover(run, action):
    leader = run.world.leader()
    assert leader is not None, run.world.logs()
    started = time.monotonic()
    action(leader)
    run.wait("the standby to take the lease", lambda: (run.world.leader() or leader) is not leader, timeout=30)
    taken = time.monotonic() - started
    run.notes.append(f"{leader.name} out; the standby led after {taken:.1f} s")
    return taken


def _kill_leader(run):
    taken = _leader_takeover(run, lambda leader: leader.kill())
    bound = LEASE["leaseDurationSeconds"] + LEASE["retryPeriodSeconds"] + 2
    assert taken <= bound, f"take-over after SIGKILL took {taken:.1f} s (bound {bound} s)"


def _terminate_leader(run):
    before = run.proxy.ledger.snapshot()["visibility_changes"]
    taken = _leader_takeover(run, lambda leader: leader.stop())
    assert taken <= LEASE["retryPeriodSeconds"] + 2, f"take-over after SIGTERM took {taken:.1f} s (a released lease)"
    released = run.proxy.ledger.snapshot()["visibility_changes"] - before
    run.notes.append(f"{released} visibility calls at shutdown")


def _partition_leader(run):
    leader = run.world.leader()
    assert leader is not None
    run.partitioned = leader
    leader.relay.partition()


def _heal_partition(run):
    run.partitioned.relay.heal()


def _refuse_lifecycle(run):
    run.proxy.set_rules(
        Rule("autoscaling", {"CompleteLifecycleAction"}, status=400, code="ValidationError",
             message="No active Lifecycle Action found with token"),
        Rule("autoscaling", {"RecordLifecycleActionHeartbeat"}, status=503, code="ServiceUnavailable",
             message="Service is unavailable"),
    )


def _faults_fired(*needles):
    def verify(run):
        fired = run.proxy.ledger.snapshot()["faults"]
        for needle in needles:
            assert any(needle in key for key in fired), f"no {needle} fault fired: {fired}"
        return ", ".join(f"{key} ×{count}" for key, count in sorted(fired.items()))
    return verify


def _keys_rotated(run):
    assert run.credentials.rotations >= 2, "the keys never rotated during the scenario"
    return f"{run.credentials.rotations} keys served, {run.credentials.served} credential fetches"


SCENARIOS = [
    Scenario("1 apiserver down 20 s", inject=_apiserver_down, heal=_apiserver_up, duration=20, handovers=1),
    Scenario("2 429 storm, then 5xx on lists", inject=_throttle, heal=_clear_apiserver_faults, duration=4),
    Scenario("3 watches cut, resume 410", inject=_cut_watches),
    Scenario("4 watch cache 2 s behind", before=_lag_cache, heal=_clear_apiserver_faults, duration=4),
    Scenario("5 SQS 5xx, throttling, slow", inject=_sqs_errors, heal=_proxy_clear, duration=8,
             verify=_faults_fired("InternalFailure", "ThrottlingException", "RequestThrottled", "reset", "truncate",
                                  "latency")),
    Scenario("6 credentials rotate every 30 s", credentials_period=30, duration=32, verify=_keys_rotated),
    Scenario("7 clock 15 min ahead", clock_offset="+15m", verify=_faults_fired("skew")),
    Scenario("8 SIGKILL of the leader", inject=_kill_leader, handovers=1),
    Scenario("9 SIGTERM of the leader", inject=_terminate_leader, handovers=1),
    Scenario("10 leader cut from apiserver", inject=_partition_leader, heal=_heal_partition,
             duration=LEASE["leaseDurationSeconds"] + 6, handovers=1),
    Scenario("11 poison and duplicates", poison=True),
    Scenario("12 lifecycle refused", before=_refuse_lifecycle, lifecycle_refused=True,
             verify=_faults_fired("CompleteLifecycleAction ValidationError", "RecordLifecycleActionHeartbeat"),
             environment={"HEARTBEAT_INTERVAL": "30", "HEARTBEAT_UNTIL": "60",
                          "COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS": "33"}),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name.split(" ", 1)[0])
def test_scenario_holds_every_invariant(scenario, admin, moto, executable, tmp_path):
    run = Run(scenario, tmp_path, admin, moto, executable)
    try:
        run.play()
    finally:
        outcome = run.finish()
        RESULTS.append(outcome.line() + ("  [" + "; ".join(outcome.notes) + "]" if outcome.notes else ""))
    assert not outcome.violations, "\n".join(outcome.violations)
