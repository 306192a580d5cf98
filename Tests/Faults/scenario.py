"""One scenario's run: a fresh queue and identity (the AWS set-up's own template deployed in moto), the world's
processes, a burst sent in two halves with the fault injected between them (mid-burst, once the first half is being
handled), the fault healed, then a wait until every message is gone, then the invariants."""
import json
import os
import threading
import time
import uuid

from burst import Burst
from invariants import check
from world import World

SOAK = os.environ.get("NTH_FAULTS_SOAK") == "1"
BURST_SIZE = 40 if SOAK else 10
SETTLE_TIMEOUT = 240 if SOAK else 120


class Scenario:
    """Hooks, each optional: `before(run)` before the replicas start, `inject(run)` mid-burst, `heal(run)` after
    `duration` seconds; `environment` added to both replicas."""

    def __init__(self, name, inject=None, heal=None, duration=0.0, before=None, handovers=0, lifecycle_refused=False,
                 poison=False, clock_offset=None, credentials_period=None, environment=None, verify=None):
        self.name = name
        self.inject = inject
        self.heal = heal
        self.duration = duration
        self.before = before
        self.handovers = handovers
        self.lifecycle_refused = lifecycle_refused
        self.poison = poison
        self.clock_offset = clock_offset
        self.credentials_period = credentials_period
        self.environment = environment or {}
        self.verify = verify  # verify(run): asserts the fault really happened, returns a note for the table


class Run:
    """What a scenario's hooks work with."""

    def __init__(self, scenario, directory, admin, moto, executable):
        from credentials_endpoint import RotatingCredentialsEndpoint

        self.scenario = scenario
        self.admin = admin
        self.moto = moto
        suffix = uuid.uuid4().hex[:8]
        self.stack = admin.deploy(f"nth-faults-{suffix}", {"Name": f"nth-faults-{suffix}"})
        self.credentials = None
        keys = None
        if scenario.credentials_period:
            iam = admin.client("iam")
            user = f"controller-{suffix}"
            iam.create_user(UserName=user)
            iam.attach_user_policy(UserName=user, PolicyArn=self.stack.outputs["PolicyARN"])
            self.credentials = RotatingCredentialsEndpoint(iam, user, scenario.credentials_period)
        else:
            keys = admin.user_with_policy(policy_arn=self.stack.outputs["PolicyARN"])
        self.world = World(directory, admin, moto, executable, self.stack, keys=keys, credentials=self.credentials,
                           clock_offset=scenario.clock_offset)
        for replica in self.world.replicas:
            replica.environment.update(scenario.environment)
        self.apiserver = self.world.apiserver
        self.proxy = self.world.proxy
        try:
            self.burst = Burst(admin, self.apiserver, BURST_SIZE)
        except BaseException:
            self.world.stop()
            raise
        self.messages = self.burst.build()
        self.poison = self.burst.poison() if scenario.poison else []
        self.injected = []
        self.notes = []
        self.fault_ended_at = None
        self.sampling = True

    # Observations for the hooks

    def cordoned(self, node):
        try:
            return bool(self.apiserver.node(node).get("spec", {}).get("unschedulable"))
        except Exception:  # noqa: BLE001 - the apiserver may be down in that scenario
            return False

    def deleted_ids(self):
        return {delete["id"] for delete in self.proxy.ledger.snapshot()["deletes"] if delete["ok"]}

    def settled(self):
        ids = [i for message in self.messages + self.poison for i in message.ids] + self.injected
        deleted = self.deleted_ids()
        return all(i in deleted for i in ids) and self.queue_counts() == (0, 0)

    def queue_counts(self):
        return self.admin.queue_counts(self.stack.outputs["QueueURL"])

    def wait(self, what, condition, timeout=60.0):
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise AssertionError(f"{what} did not happen within {timeout} s\n{self.world.logs()}")
            time.sleep(0.1)

    def _sample_forever(self):
        while self.sampling:
            self.world.sample()
            time.sleep(0.5)

    # The run

    def play(self):
        scenario = self.scenario
        queue_url = self.stack.outputs["QueueURL"]
        if scenario.before:
            scenario.before(self)
        self.world.start_replicas()
        threading.Thread(target=self._sample_forever, daemon=True).start()
        half = len(self.messages) // 2
        first, second = self.messages[:half], self.messages[half:]
        self.burst.send(first, queue_url)
        self.wait("the first half being handled", lambda: any(self.cordoned(m.node) for m in first))
        if scenario.inject:
            scenario.inject(self)
        duplicates = second[:2] if scenario.poison else ()
        self.burst.send(second + self.poison, queue_url, duplicate=duplicates)
        if scenario.poison:
            self.injected.append(self.proxy.inject_message("x" * (300 * 1024)))
        if scenario.duration:
            time.sleep(scenario.duration)  # the fault's length is the scenario's input, not an ordering of events
        if scenario.heal:
            scenario.heal(self)
        self.fault_ended_at = time.time()
        self.burst.unblock()
        self.wait("every message deleted and the queue empty", self.settled, timeout=SETTLE_TIMEOUT)
        if scenario.verify:
            self.notes.append(scenario.verify(self))

    def finish(self):
        self.sampling = False
        moto_calls = self.moto.lifecycle_calls()
        # For whoever reads a failure: every write the fake served, and every AWS call's fate, beside the logs.
        with open(self.world.directory / "apiserver-writes.jsonl", "w") as out:
            for entry in self.apiserver.ledger()["entries"]:
                if entry["method"] != "GET":
                    out.write(json.dumps(entry) + "\n")
        (self.world.directory / "aws-ledger.json").write_text(json.dumps(self.proxy.ledger.snapshot(), default=str))
        for replica in self.world.replicas:
            (self.world.directory / f"{replica.name}.log").write_text(replica.log)
        try:
            outcome = check(
                self.scenario.name, self.burst, self.poison, self.injected, self.proxy, self.apiserver, moto_calls,
                self.world.replicas, queue_counts=self.queue_counts(), handovers=self.scenario.handovers,
                lifecycle_refused=self.scenario.lifecycle_refused, fault_ended_at=self.fault_ended_at)
        finally:
            statuses = self.world.stop()
            if self.credentials:
                self.credentials.stop()
            self.stack.delete()
        for replica in self.world.replicas:
            status = statuses.get(replica.name)
            if status not in (0, -9, None):
                outcome.fail(f"{replica.name} exited with {status}; {replica.crash_report()}")
        outcome.notes = self.notes
        return outcome
