"""The container env: never a repeated name (server-side apply rejects one), extraEnv overrides, and the
variables the binary reads for logLevel, rebalance handling and events."""

import pytest

import render
from chart_cases import KUBE_VERSIONS, NAMESPACE, RELEASE, case_names, containers, env_by_name, only, rendered


def our_env(values):
    deployment = only(render.render_chart(values, RELEASE, NAMESPACE, "1.30"), "Deployment")
    return env_by_name(containers(deployment)[0])


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("case", case_names())
def test_no_env_name_is_rendered_twice(case, kube_version):
    deployment = only(rendered(case, kube_version), "Deployment")
    for container in containers(deployment):
        names = [entry["name"] for entry in container.get("env", [])]
        repeated = sorted({name for name in names if names.count(name) > 1})
        assert repeated == [], f"{case}: {container['name']} has {repeated} more than once"


def test_extra_env_replaces_a_chart_variable_in_place_of_repeating_it():
    env = our_env({"extraEnv": [{"name": "KUBE_API_QPS", "value": "50"}, {"name": "LOG_LEVEL", "value": "error"}]})
    assert env["KUBE_API_QPS"] == {"value": "50"}
    assert env["LOG_LEVEL"] == {"value": "error"}
    assert env["KUBE_API_BURST"] == {"value": "200"}


def test_extra_env_keeps_value_from_and_its_order_at_the_end():
    extra = [
        {"name": "FROM_FIELD", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "USE_APISERVER_CACHE", "value": "true"},
    ]
    deployment = only(render.render_chart({"extraEnv": extra}, RELEASE, NAMESPACE, "1.30"), "Deployment")
    assert containers(deployment)[0]["env"][-2:] == extra


def test_extra_env_naming_a_variable_twice_fails_the_render():
    twice = [{"name": "KUBE_API_QPS", "value": "1"}, {"name": "KUBE_API_QPS", "value": "2"}]
    with pytest.raises(render.RenderError, match="extraEnv names KUBE_API_QPS twice"):
        render.render_chart({"extraEnv": twice})


def test_log_level_is_nths_variable():
    env = our_env({"logLevel": "debug"})
    assert env["LOG_LEVEL"] == {"value": "debug"}
    assert "NTH_LOG_LEVEL" not in env


def test_rebalance_values():
    assert our_env({})["ENABLE_REBALANCE_DRAINING"] == {"value": "false"}
    assert "REBALANCE_ACTION" not in our_env({})
    assert our_env({"enableRebalanceDraining": True})["ENABLE_REBALANCE_DRAINING"] == {"value": "true"}
    for action in ["cordon", "cordon-and-drain", "ignore"]:
        assert our_env({"rebalanceAction": action})["REBALANCE_ACTION"] == {"value": action}
    with pytest.raises(render.RenderError, match="rebalanceAction \"drain\" is not cordon"):
        render.render_chart({"rebalanceAction": "drain"})


def test_events_extra_annotations():
    env = our_env({"emitKubernetesEvents": True, "kubernetesEventsExtraAnnotations": "a=b,c=d"})
    assert env["EMIT_KUBERNETES_EVENTS"] == {"value": "true"}
    assert env["KUBERNETES_EVENTS_EXTRA_ANNOTATIONS"] == {"value": "a=b,c=d"}
    assert "KUBERNETES_EVENTS_EXTRA_ANNOTATIONS" not in our_env({})


def test_probes_follow_the_configured_port():
    deployment = only(render.render_chart({"probes": {"httpGet": {"port": 8081}}}), "Deployment")
    container = containers(deployment)[0]
    assert container["livenessProbe"]["httpGet"]["port"] == 8081
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8081}
    assert container["readinessProbe"]["periodSeconds"] == 10
    assert [port["containerPort"] for port in container["ports"]] == [8081]
    assert env_by_name(container)["PROBES_SERVER_PORT"] == {"value": "8081"}


def test_webhook_template_from_a_config_map_is_mounted():
    deployment = only(rendered("webhook-configmap-values.yaml", "1.30"), "Deployment")
    container = containers(deployment)[0]
    assert env_by_name(container)["WEBHOOK_TEMPLATE_FILE"] == {"value": "/config/template.json"}
    assert container["volumeMounts"] == [{"name": "webhook-template", "mountPath": "/config/", "readOnly": True}]
    assert deployment["spec"]["template"]["spec"]["volumes"] == [
        {"name": "webhook-template", "configMap": {"name": "nth-webhook-template"}}
    ]


def test_webhook_url_from_a_secret():
    env = env_by_name(containers(only(rendered("webhook-secret-values.yaml", "1.30"), "Deployment"))[0])
    assert env["WEBHOOK_URL"] == {"valueFrom": {"secretKeyRef": {"name": "nth-webhook", "key": "webhookurl"}}}


def test_leader_election_off_renders_no_lease_role():
    objects = rendered("leader-election-off-values.yaml", "1.30")
    assert [item["kind"] for item in objects if item["kind"] in ("Role", "RoleBinding", "PodDisruptionBudget")] == []
    assert env_by_name(containers(only(objects, "Deployment"))[0])["NTH_LEADER_ELECTION"] == {"value": "false"}


def test_allowed_event_origins_render_only_when_set():
    assert "NTH_ALLOWED_EVENT_ACCOUNTS" not in our_env({})
    assert "NTH_ALLOWED_EVENT_REGIONS" not in our_env({})
    env = our_env({"allowedEventAccounts": ["111122223333", "444455556666"], "allowedEventRegions": ["eu-west-1"]})
    assert env["NTH_ALLOWED_EVENT_ACCOUNTS"] == {"value": "111122223333,444455556666"}
    assert env["NTH_ALLOWED_EVENT_REGIONS"] == {"value": "eu-west-1"}


def test_allowed_event_origins_refuse_what_yaml_would_mangle():
    # Unquoted, YAML reads 111122223333 as a number (1.11122223333e+11): the render says to quote it.
    with pytest.raises(render.RenderError, match="quoted 12-digit"):
        render.render_chart({"allowedEventAccounts": [111122223333]})
    with pytest.raises(render.RenderError, match="not a region name"):
        render.render_chart({"allowedEventRegions": ["Europe"]})


def test_shutdown_deadline_is_five_seconds_under_the_pod_grace_period():
    assert our_env({})["NTH_SHUTDOWN_TIMEOUT_SECONDS"] == {"value": "25"}
    assert our_env({"terminationGracePeriodSeconds": 120})["NTH_SHUTDOWN_TIMEOUT_SECONDS"] == {"value": "115"}
    assert our_env({"terminationGracePeriodSeconds": 3})["NTH_SHUTDOWN_TIMEOUT_SECONDS"] == {"value": "1"}
