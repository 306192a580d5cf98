"""NTH's chart (0.27.6, read in place) and ours rendered side by side with the same queue-mode values: a user who
switches keeps every environment variable NTH rendered (except docs/migration.md's listed exceptions), their
object names (the ServiceAccount an IRSA trust policy names), their labels and selectors, pull secrets, custom
labels, dnsConfig and ServiceMonitor."""

import re

import pytest
import yaml

import render
from chart_cases import (
    CI_DIR,
    MIGRATION_DOC,
    NAMESPACE,
    RELEASE,
    containers,
    env_by_name,
    migration_env_exceptions,
    migration_values,
    nth_chart_dir,
    nth_example_values_file,
    objects_of,
    only,
)

PARITY_CASES = ["nth:example-values-queue.yaml", "nth-queue-realistic-values.yaml"]
# Labels that name the chart itself and so differ by nature.
CHART_IDENTITY_LABELS = {"helm.sh/chart", "app.kubernetes.io/version"}


def values_file(case):
    return nth_example_values_file() if case.startswith("nth:") else CI_DIR / case


def side_by_side(case, kube_version="1.30"):
    """(NTH's objects, ours): NTH's with the user's file; ours with it plus docs/migration.md's values."""
    user = render.load_values([values_file(case)])
    theirs = render.render_chart(user, RELEASE, NAMESPACE, kube_version, chart=nth_chart_dir())
    ours = render.render_chart(render.merge_values(user, migration_values()), RELEASE, NAMESPACE, kube_version)
    return theirs, ours


def deployment_env(objects):
    return env_by_name(containers(only(objects, "Deployment"))[0])


@pytest.mark.parametrize("case", PARITY_CASES)
def test_every_variable_nth_renders_is_rendered_identically(case):
    theirs, ours = side_by_side(case)
    nth_env, our_env = deployment_env(theirs), deployment_env(ours)
    exceptions = migration_env_exceptions()
    different = {
        name: {"NTH": entry, "ours": our_env.get(name, "(not rendered)")}
        for name, entry in nth_env.items()
        if name not in exceptions and our_env.get(name) != entry
    }
    assert different == {}, (
        f"{case}: variables NTH's chart renders that ours renders differently; fix the chart or list them with a "
        f"reason in {MIGRATION_DOC.name}'s env-exceptions table"
    )


@pytest.mark.parametrize("case", PARITY_CASES)
def test_the_exception_list_is_exact(case):
    """Each listed exception is a variable NTH renders and ours does not: the doc cannot keep a stale line."""
    theirs, ours = side_by_side(case)
    nth_env, our_env = deployment_env(theirs), deployment_env(ours)
    for name in migration_env_exceptions():
        assert name in nth_env, f"{MIGRATION_DOC.name} lists {name}, which NTH's chart does not render for {case}"
        assert name not in our_env, f"{MIGRATION_DOC.name} lists {name} as not rendered, but ours renders it"


@pytest.mark.parametrize("case", PARITY_CASES)
def test_objects_keep_nths_names_and_labels(case):
    theirs, ours = side_by_side(case)
    for kind in ["Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service", "ServiceMonitor",
                 "PodDisruptionBudget"]:
        nth_objects, our_objects = objects_of(theirs, kind), objects_of(ours, kind)
        if not nth_objects:
            continue
        assert len(our_objects) == len(nth_objects) == 1, f"{case}: {kind}: NTH {len(nth_objects)}, ours {len(our_objects)}"
        nth_meta, our_meta = nth_objects[0]["metadata"], our_objects[0]["metadata"]
        assert our_meta["name"] == nth_meta["name"], f"{case}: {kind} name"
        assert our_meta.get("namespace") == nth_meta.get("namespace"), f"{case}: {kind} namespace"
        nth_labels = {key: value for key, value in nth_meta.get("labels", {}).items() if key not in CHART_IDENTITY_LABELS}
        missing = {key: value for key, value in nth_labels.items() if our_meta.get("labels", {}).get(key) != value}
        assert missing == {}, f"{case}: {kind} lacks NTH's labels {missing}"
        if kind == "ServiceAccount":
            assert our_meta.get("annotations") == nth_meta.get("annotations"), f"{case}: IRSA annotations"


@pytest.mark.parametrize("case", PARITY_CASES)
def test_selectors_written_for_nths_pods_match_ours(case):
    theirs, ours = side_by_side(case)
    nth_pod_labels = only(theirs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    our_pod_labels = only(ours, "Deployment")["spec"]["template"]["metadata"]["labels"]
    missing = {key: value for key, value in nth_pod_labels.items() if our_pod_labels.get(key) != value}
    assert missing == {}, f"{case}: our pods lack NTH's pod labels {missing}"
    our_selector = only(ours, "Deployment")["spec"]["selector"]["matchLabels"]
    assert all(our_pod_labels[key] == value for key, value in our_selector.items())


def test_a_release_named_nth_keeps_its_irsa_service_account():
    theirs, ours = side_by_side("nth-queue-realistic-values.yaml")
    assert only(theirs, "ServiceAccount")["metadata"]["name"] == "nth-aws-node-termination-handler"
    service_account = only(ours, "ServiceAccount")
    assert service_account["metadata"]["name"] == "nth-aws-node-termination-handler"
    assert service_account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/nth-irsa"
    }
    assert only(ours, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "nth-aws-node-termination-handler"
    subjects = only(ours, "ClusterRoleBinding")["subjects"]
    assert subjects == [{"kind": "ServiceAccount", "name": "nth-aws-node-termination-handler", "namespace": NAMESPACE}]
    labels = only(ours, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "aws-node-termination-handler"
    assert labels["app.kubernetes.io/instance"] == "nth"


def test_pod_settings_are_nths():
    """image.pullSecrets, dnsConfig, nodeSelector, tolerations, priority, security contexts: as NTH renders them."""
    theirs, ours = side_by_side("nth-queue-realistic-values.yaml")
    nth_pod, our_pod = (only(objects, "Deployment")["spec"]["template"]["spec"] for objects in (theirs, ours))
    for key in ["imagePullSecrets", "dnsConfig", "nodeSelector", "tolerations", "priorityClassName"]:
        assert our_pod.get(key) == nth_pod.get(key), key
    assert our_pod["imagePullSecrets"] == [{"name": "registry-credentials"}]
    nth_container, our_container = nth_pod["containers"][0], our_pod["containers"][0]
    assert our_container["resources"] == nth_container["resources"]
    assert our_container["livenessProbe"] == nth_container["livenessProbe"]
    assert our_container["readinessProbe"]["httpGet"]["port"] == nth_container["livenessProbe"]["httpGet"]["port"] == 8081


def test_custom_labels_are_on_every_object_and_the_pods():
    _, ours = side_by_side("nth-queue-realistic-values.yaml")
    for item in ours:
        labels = item["metadata"].get("labels", {})
        assert labels.get("team") == "platform" and labels.get("cost-center") == "4711", item["kind"]
    pod_labels = only(ours, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["team"] == "platform"


def test_the_service_monitor_is_nths():
    theirs, ours = side_by_side("nth-queue-realistic-values.yaml")
    nth_monitor, our_monitor = only(theirs, "ServiceMonitor"), only(ours, "ServiceMonitor")
    assert our_monitor["metadata"]["namespace"] == "monitoring"
    assert our_monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    for key in ["jobLabel", "namespaceSelector", "endpoints", "sampleLimit"]:
        assert our_monitor["spec"][key] == nth_monitor["spec"][key], key
    # Both select their own chart's Service.
    service = only(ours, "Service")
    assert all(service["metadata"]["labels"][key] == value for key, value in our_monitor["spec"]["selector"]["matchLabels"].items())


def test_migration_doc_covers_every_nth_value_and_variable():
    """docs/migration.md names every top-level value of NTH's values.yaml and every variable its Deployment sets."""
    doc = MIGRATION_DOC.read_text()
    named = set(re.findall(r"`([A-Za-z][A-Za-z0-9_]*)(?:\.[A-Za-z.*]*)?`", doc))
    nth_values = yaml.safe_load((nth_chart_dir() / "values.yaml").read_text())
    missing_values = sorted(key for key in nth_values if key not in named)
    assert missing_values == [], f"{MIGRATION_DOC.name} does not say what becomes of NTH's values {missing_values}"
    template = (nth_chart_dir() / "templates" / "deployment.yaml").read_text()
    variables = set(re.findall(r"- name: ([A-Z][A-Z0-9_]+)", template))
    missing_variables = sorted(name for name in variables if name not in named)
    assert missing_variables == [], f"{MIGRATION_DOC.name} does not cover NTH's variables {missing_variables}"
