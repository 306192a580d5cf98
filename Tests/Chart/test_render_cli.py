"""render.py as the end-to-end tests call it: a JSON array on stdout, errors on stderr with a non-zero status."""

import json
import subprocess
import sys

from chart_cases import CI_DIR, containers, env_by_name, only
import render

SCRIPT = str(render.REPO_ROOT / "Tests" / "Chart" / "render.py")


def run(*arguments):
    return subprocess.run([sys.executable, SCRIPT, *arguments], capture_output=True, text=True, timeout=120)


def test_prints_the_objects_as_one_json_array():
    result = run(
        "--release", "e2e", "--namespace", "nth-system",
        "--values", str(CI_DIR / "dry-run-values.yaml"),
        "--set", "replicas=1", "--set-string", "extraEnv[0].name=NTH_RECEIVERS,extraEnv[0].value=2",
        "--kube-version", "1.30",
    )
    assert result.returncode == 0, result.stderr
    objects = json.loads(result.stdout)
    assert isinstance(objects, list)
    kinds = [item["kind"] for item in objects]
    assert {"Deployment", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount"} <= set(kinds)
    deployment = only(objects, "Deployment")
    assert deployment["metadata"]["namespace"] == "nth-system"
    assert deployment["spec"]["replicas"] == 1
    env = env_by_name(containers(deployment)[0])
    assert env["DRY_RUN"] == {"value": "true"}
    assert env["NTH_RECEIVERS"] == {"value": "2"}
    rules = only(objects, "ClusterRole")["rules"]
    assert {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]} in rules


def test_a_later_values_file_and_set_win():
    result = run(
        "--release", "nth", "--namespace", "kube-system",
        "--values", str(CI_DIR / "one-replica-values.yaml"),
        "--values", str(CI_DIR / "dry-run-values.yaml"),
        "--set", "queueURL=https://sqs.us-west-2.amazonaws.com/111122223333/other",
    )
    assert result.returncode == 0, result.stderr
    env = env_by_name(containers(only(json.loads(result.stdout), "Deployment"))[0])
    assert env["QUEUE_URL"] == {"value": "https://sqs.us-west-2.amazonaws.com/111122223333/other"}
    assert env["DRY_RUN"] == {"value": "true"}


def test_a_template_failure_is_an_error_on_stderr():
    result = run("--release", "nth", "--namespace", "kube-system", "--set", "rebalanceAction=sometimes")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "rebalanceAction" in result.stderr


def test_a_missing_values_file_is_an_error_on_stderr(tmp_path):
    result = run("--release", "nth", "--namespace", "kube-system", "--values", str(tmp_path / "absent.yaml"))
    assert result.returncode != 0
    assert "absent.yaml" in result.stderr


def test_set_updates_one_list_element_as_helm_does():
    """The realistic file's extraEnv has two entries; --set on index 0 changes the first and keeps the second."""
    result = run(
        "--release", "nth", "--namespace", "kube-system",
        "--values", str(CI_DIR / "nth-queue-realistic-values.yaml"),
        "--set", "extraEnv[0].name=NTH_RECEIVE_WAIT_SECONDS", "--set-string", "extraEnv[0].value=1",
    )
    assert result.returncode == 0, result.stderr
    env = containers(only(json.loads(result.stdout), "Deployment"))[0]["env"]
    assert env[-2:] == [{"name": "NTH_RECEIVE_WAIT_SECONDS", "value": "1"}, {"name": "KUBE_API_BURST", "value": "100"}]
    assert {"name": "KUBE_API_QPS", "value": "100"} in env
