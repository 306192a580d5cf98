"""The processes the tests run: moto (with the repository's extension), the fake apiserver and the controller."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from harness_cfn import REPOSITORY

HERE = pathlib.Path(__file__).resolve().parent


def wait_for(what, condition, timeout=20.0, interval=0.1, details=lambda: ""):
    """Polls `condition` until it returns a truthy value (returned) or `timeout` seconds pass (AssertionError)."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"{what} did not happen within {timeout} s. {details()}")
        time.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method, url, body=None, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


class Moto:
    """moto_scoped.py on a free loopback port; it exits when its stdin closes."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "moto_scoped.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("moto did not start: is moto[server] installed? (scripts/test-aws-setup installs it)")
        self.port = json.loads(line)["port"]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def auth_on(self):
        """From now on moto checks every signature and evaluates IAM policies."""
        http("POST", f"{self.endpoint}/moto-api/reset-auth", b"0", content_type="text/plain")

    def lifecycle_calls(self):
        return http("GET", f"{self.endpoint}/nth-test/lifecycle-calls")

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def swift_product(product, configuration):
    """The path of a SwiftPM product, built when missing."""
    path = REPOSITORY / ".build" / configuration / product
    if not path.exists():
        command = ["swift", "build", "--product", product] + (["-c", "release"] if configuration == "release" else [])
        subprocess.run(command, cwd=REPOSITORY, check=True)
    return path


def controller_executable():
    """The release `node-termination-handler`; NTH_TEST_EXECUTABLE overrides it (scripts/test points it at the binary
    the image is built from, as the Swift end-to-end tests use it)."""
    override = os.environ.get("NTH_TEST_EXECUTABLE")
    if override:
        return pathlib.Path(override)
    return swift_product("node-termination-handler", "release")


class FakeAPIServer:
    """`fake-apiserver` over HTTP, its objects seeded through /debug/objects, and a kubeconfig for it."""

    def __init__(self, directory):
        executable = swift_product("fake-apiserver", os.environ.get("NTH_AWS_SETUP_FAKE_CONFIGURATION", "debug"))
        self.process = subprocess.Popen(
            [str(executable), "--bookmark-interval-seconds", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.base = self.process.stdout.readline().decode().strip()
        if not self.base.startswith("http"):
            raise RuntimeError("fake-apiserver did not print its URL")
        self.kubeconfig = pathlib.Path(directory) / "kubeconfig"
        self.kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f'clusters: [{{name: fake, cluster: {{server: "{self.base}"}}}}]\n'
            "contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: kube-system}}]\n"
            "current-context: fake\nusers: [{name: fake, user: {token: aws-setup}}]\n"
        )

    def seed(self, obj):
        http("POST", f"{self.base}/debug/objects", obj)

    def add_node(self, name, instance_id, zone="us-east-1a"):
        self.seed(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                "spec": {"providerID": f"aws:///{zone}/{instance_id}"},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]},
            }
        )

    def add_pod(self, name, node, grace_seconds):
        self.seed(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": name,
                    "namespace": "default",
                    "ownerReferences": [
                        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "rs-web", "controller": True}
                    ],
                },
                "spec": {
                    "nodeName": node,
                    "terminationGracePeriodSeconds": grace_seconds,
                    "containers": [{"name": "main", "image": "busybox"}],
                },
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
            }
        )

    def node(self, name):
        return http("GET", f"{self.base}/api/v1/nodes/{name}")

    def pods_on(self, node):
        listing = http("GET", f"{self.base}/api/v1/pods?fieldSelector=spec.nodeName%3D{node}")
        return [pod["metadata"]["name"] for pod in listing["items"]]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Controller:
    """`node-termination-handler run`, its JSON log in a file."""

    def __init__(self, executable, kubeconfig, environment, wrapper=(), cwd=None):
        """The metrics port is always a free one of the harness's (`metrics_port`), whatever `environment` says.
        `wrapper` goes before the executable (`faketime -f +15m`): signals then go to its child, the controller."""
        self.wrapper = tuple(wrapper)
        self.log_file = tempfile.NamedTemporaryFile(prefix="nth-controller-", suffix=".log", delete=False)
        self.metrics_port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ENABLE_PROMETHEUS_SERVER": "true",
            **environment,
            "PROMETHEUS_SERVER_PORT": str(self.metrics_port),
        }
        self.process = subprocess.Popen(
            [*self.wrapper, str(executable), "run", "--kubeconfig", str(kubeconfig)],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )

    @property
    def log(self):
        return pathlib.Path(self.log_file.name).read_text(errors="replace")

    def log_tail(self, characters=6000):
        return "controller log (end):\n" + self.log[-characters:]

    def metrics(self):
        """The Prometheus text as {series with labels: value}."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as response:
            text = response.read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                series, _, value = line.rpartition(" ")
                values[series] = float(value)
        return values

    @property
    def pid(self):
        """The controller's process id (the wrapper's child when there is a wrapper)."""
        if not self.wrapper:
            return self.process.pid
        children = pathlib.Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        found = wait_for("the wrapped controller", lambda: children.exists() and children.read_text().split())
        return int(found[0])

    def signal(self, number):
        os.kill(self.pid, number)

    def stop(self):
        """SIGTERM (a graceful shutdown), then the exit status."""
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        return self.process.returncode
