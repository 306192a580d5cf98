"""The processes of one fault scenario: the fake apiserver over HTTPS with the chart's RBAC (restartable with the
same storage and certificate), a TCP relay per replica in front of it (the path a partition cuts), the
fault-injecting AWS proxy in front of moto, and two replicas of `node-termination-handler run` with leader election,
each with the environment the chart renders and an identity of its own (its bearer token names it in the fake's
ledger)."""
import json
import os
import pathlib
import shutil
import signal
import subprocess

import yaml

from aws_proxy import AWSProxy
from harness_aws import REGION
from harness_processes import Controller, free_port, http, swift_product, wait_for
from tcp_relay import TCPRelay

from render import render_chart  # Tests/Chart, on the path through conftest.py

NAMESPACE = "kube-system"
RELEASE = "nth"
REPLICAS = ("nth-replica-a", "nth-replica-b")
LEASE = {"leaseDurationSeconds": 6, "renewDeadlineSeconds": 4, "retryPeriodSeconds": 1}


def chart_objects(queue_url, endpoint):
    """The chart rendered by Helm's engine for this suite: queue mode, leader election with short leases so that a
    take-over fits CI's time, metrics on, debug logs."""
    values = {
        "queueURL": queue_url,
        "awsRegion": REGION,
        "awsEndpoint": endpoint,
        "sqsMsgVisibilityTimeoutSec": 10,
        "enablePrometheusServer": True,
        "logLevel": "debug",
        "leaderElection": {"enabled": True, "leaseName": "node-termination-handler", **LEASE},
        "extraEnv": [{"name": "NTH_RECEIVE_WAIT_SECONDS", "value": "2"}],
    }
    return render_chart(values, release=RELEASE, namespace=NAMESPACE)


def container_environment(objects, pod_name):
    """The controller container's env from the rendered Deployment, downward-API fields filled in as the kubelet
    would for `pod_name`."""
    deployment = next(obj for obj in objects if obj["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    environment = {}
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = str(variable["value"])
            continue
        field = variable.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        if field == "metadata.name":
            environment[variable["name"]] = pod_name
        elif field == "metadata.namespace":
            environment[variable["name"]] = NAMESPACE
        elif field == "spec.nodeName":
            environment[variable["name"]] = "system-node-1"  # the replicas run on a node no interruption names
        else:
            raise AssertionError(f"the suite does not know how to fill {variable}")
    return environment


def service_account_user(objects):
    account = next(obj for obj in objects if obj["kind"] == "ServiceAccount")
    return f"system:serviceaccount:{NAMESPACE}:{account['metadata']['name']}"


class APIServer:
    """`fake-apiserver --https` with persistent storage and TLS identity, so that it can be stopped and started again
    on the same ports as a real apiserver restarts over the same etcd."""

    def __init__(self, directory, objects):
        self.directory = pathlib.Path(directory)
        override = os.environ.get("NTH_FAULTS_FAKE_APISERVER")
        self.executable = pathlib.Path(override) if override else swift_product("fake-apiserver", "release")
        self.rbac = self.directory / "rbac.yaml"
        self.rbac.write_text(yaml.safe_dump_all(
            [obj for obj in objects if obj["kind"] in ("ClusterRole", "Role")], sort_keys=False))
        self.user = service_account_user(objects)
        self.ca_file = self.directory / "tls" / "ca.pem"
        self.port = free_port()
        self.https_port = free_port()
        self.process = None
        self.history = []  # ledger entries of earlier runs of the process (the fake's ledger starts empty)
        self.start()

    @property
    def ledger_file(self):
        return self.directory / "ledger-on-stop.json"

    def start(self):
        (self.directory / "tls").mkdir(exist_ok=True)
        self.ledger_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                str(self.executable), "--port", str(self.port), "--https", "--https-port", str(self.https_port),
                "--tls-directory", str(self.directory / "tls"), "--state-file", str(self.directory / "state.json"),
                "--rbac-manifests", str(self.rbac), "--rbac-user", self.user, "--rbac-namespace", NAMESPACE,
                "--bookmark-interval-seconds", "5", "--ledger-file", str(self.ledger_file),
            ],
            stdout=subprocess.PIPE, stderr=open(self.directory / "apiserver.log", "ab"),
        )
        self.base = self.process.stdout.readline().decode().strip()
        if not self.base.startswith("http://"):
            raise RuntimeError(f"fake-apiserver did not start: {(self.directory / 'apiserver.log').read_text()}")
        self.process.stdout.readline()  # the HTTPS URL

    def stop(self):
        """SIGTERM: the fake stops serving, writes its state file and its ledger, and exits. The ledger is kept
        here (read from the file, not before the signal: requests keep arriving until the server stops)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError("fake-apiserver did not stop within 20 s of SIGTERM (its ledger is lost)")
            self.history += json.loads(self.ledger_file.read_text())["entries"]

    # Debug endpoints (never faulted, never in the ledger)

    def seed(self, obj):
        return http("POST", f"{self.base}/debug/objects", obj)

    def set_faults(self, plan):
        """Replaces the fake's FaultPlan; fields left out take their no-fault values (the fake's decoder wants them
        all)."""
        return http("PUT", f"{self.base}/debug/faults",
                    {"latencyMilliseconds": 0, "errors": {}, "dropConnectionRate": 0, **plan})

    def clear_faults(self):
        return http("DELETE", f"{self.base}/debug/faults")

    def close_watches(self):
        return http("POST", f"{self.base}/debug/close-watches", b"", content_type="text/plain")

    def compact(self):
        return http("POST", f"{self.base}/debug/compact", b"", content_type="text/plain")

    def ledger(self):
        """Every request served, across restarts, oldest first."""
        current = http("GET", f"{self.base}/debug/ledger")["entries"] if self.process.poll() is None else []
        return {"entries": self.history + current}

    # Reads, over HTTP as the ledger-free debug seeding is (the fake serves both ports from one store)

    def get(self, path):
        return http("GET", f"{self.base}{path}")

    def node(self, name):
        return self.get(f"/api/v1/nodes/{name}")

    def pods_on(self, node):
        listing = self.get(f"/api/v1/pods?fieldSelector=spec.nodeName%3D{node}")
        return [pod["metadata"]["name"] for pod in listing["items"]]


class Replica:
    """One controller replica: its relay to the apiserver, its kubeconfig (its own bearer token), its process."""

    def __init__(self, name, directory, apiserver, executable, environment):
        self.name = name
        self.directory = pathlib.Path(directory)
        self.apiserver = apiserver
        self.executable = executable
        self.environment = environment
        self.relay = TCPRelay(apiserver.https_port)
        self.kubeconfig = self.directory / f"{name}.kubeconfig"
        self.kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f'clusters: [{{name: fake, cluster: {{server: "https://127.0.0.1:{self.relay.port}", '
            f'certificate-authority: "{apiserver.ca_file}"}}}}]\n'
            f"contexts: [{{name: fake, context: {{cluster: fake, user: {name}, namespace: {NAMESPACE}}}}}]\n"
            f"current-context: fake\nusers: [{{name: {name}, user: {{token: {name}}}}}]\n"
        )
        self.controller = None
        self.peak_rss_kib = 0
        self.exit_status = None

    def start(self, extra_environment=None, wrapper=()):
        # Started in its own directory, so that a core dump (scripts/faults allows them) lands beside its log.
        self.workdir = self.directory / self.name
        self.workdir.mkdir(exist_ok=True)
        self.controller = Controller(
            self.executable, self.kubeconfig, {**self.environment, **(extra_environment or {})}, wrapper,
            cwd=self.workdir)

    @property
    def pid(self):
        return self.controller.pid

    def alive(self):
        return self.controller is not None and self.controller.process.poll() is None

    def sample_rss(self):
        """The peak resident set (VmHWM) so far, in KiB."""
        try:
            for line in pathlib.Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss_kib = max(self.peak_rss_kib, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            pass
        return self.peak_rss_kib

    def kill(self):
        self.sample_rss()
        self.controller.signal(signal.SIGKILL)
        self.controller.process.wait()
        self.exit_status = -9

    def stop(self):
        if self.controller is None:
            return None
        if self.alive():
            self.sample_rss()
        status = self.controller.stop()
        self.exit_status = status if self.exit_status is None else self.exit_status
        self.relay.stop()
        return status

    @property
    def log(self):
        return self.controller.log if self.controller else ""

    def crash_report(self):
        """The backtrace of the crashing thread from a core dump left in the replica's directory (gdb), or a
        note that there is none."""
        cores = sorted(self.workdir.glob("core*"))
        if not cores:
            return "no core dump (allow them: ulimit -c unlimited, as scripts/faults does)"
        if shutil.which("gdb") is None:
            return f"core dump at {cores[0]} (install gdb for a backtrace)"
        result = subprocess.run(
            ["gdb", "-batch", "-ex", "bt 30", str(self.executable), str(cores[0])],
            capture_output=True, text=True, timeout=120)
        frames = [line for line in result.stdout.splitlines() if line.startswith("#")]
        return f"core dump at {cores[0]}:\n" + "\n".join(frames)


class World:
    """Everything one scenario runs, started in order; `stop()` tears it down in reverse."""

    def __init__(self, directory, admin, moto, executable, stack, keys=None, credentials=None, clock_offset=None):
        self.directory = pathlib.Path(directory)
        self.admin = admin
        self.moto = moto
        self.queue_url = stack.outputs["QueueURL"]
        self.proxy = AWSProxy(moto.endpoint)
        self.objects = chart_objects(self.queue_url, self.proxy.endpoint)
        self.apiserver = APIServer(self.directory, self.objects)
        self.clock_offset = clock_offset
        self.replicas = []
        try:
            self._make_replicas(executable, keys, credentials)
        except BaseException:
            self.stop()
            raise

    def _make_replicas(self, executable, keys, credentials):
        for name in REPLICAS:
            environment = container_environment(self.objects, name)
            environment["PROBES_SERVER_PORT"] = str(free_port())
            if keys is not None:
                environment.update({"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1]})
            if credentials is not None:
                environment.update(credentials.environment)
            self.replicas.append(Replica(name, self.directory, self.apiserver, executable, environment))

    def start_replicas(self):
        extra = {}
        wrapper = ()
        if self.clock_offset:
            # Debian's `faketime` runs the controller as its child with libfaketime preloaded (signals go to the
            # child: Controller.signal). Only the wall clock is moved, as on a machine whose NTP is off: monotonic
            # clocks (timers, sleeps, the Lease's observed durations) run true.
            if shutil.which("faketime") is None:
                raise AssertionError("faketime missing: install Debian's faketime (scripts/faults does)")
            extra = {"FAKETIME_DONT_FAKE_MONOTONIC": "1"}
            wrapper = ("faketime", "-f", self.clock_offset)
        for replica in self.replicas:
            replica.start(extra, wrapper)
        return wait_for("a leader", self.leader, timeout=30, details=self.logs)

    def leader(self):
        """The replica holding the Lease now (from the Lease object), or None."""
        try:
            lease = self.apiserver.get(
                f"/apis/coordination.k8s.io/v1/namespaces/{NAMESPACE}/leases/node-termination-handler")
        except Exception:  # noqa: BLE001 - no lease yet, or the apiserver is down
            return None
        holder = lease.get("spec", {}).get("holderIdentity")
        return next((replica for replica in self.replicas if replica.name == holder and replica.alive()), None)

    def sample(self):
        for replica in self.replicas:
            if replica.alive():
                replica.sample_rss()

    def logs(self, characters=4000):
        return "\n".join(
            f"--- {replica.name} log (end):\n{replica.log[-characters:]}" for replica in self.replicas)

    def stop(self):
        statuses = {replica.name: replica.stop() for replica in self.replicas}
        self.apiserver.stop()
        self.proxy.stop()
        return statuses
