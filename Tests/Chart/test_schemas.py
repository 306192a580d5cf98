"""Every rendered object is valid for every supported Kubernetes version (kubernetes-validate, strict: unknown
fields are errors), and the ServiceMonitor is valid against its CRD's schema (servicemonitor_schema.py)."""

import copy

import jsonschema
import kubernetes_validate
import pytest

import servicemonitor_schema
from chart_cases import KUBE_VERSIONS, case_names, only, rendered


def validate(item, kube_version):
    if item["kind"] == "ServiceMonitor":
        servicemonitor_schema.validate(item, kube_version)
        return
    used = kubernetes_validate.validate(item, kube_version, strict=True)
    assert used == kube_version, f"validated {item['kind']} against {used}'s schemas, not {kube_version}'s"


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("case", case_names())
def test_every_object_is_valid(case, kube_version):
    objects = rendered(case, kube_version)
    assert objects, f"{case} rendered nothing"
    for item in objects:
        try:
            validate(item, kube_version)
        except kubernetes_validate.SchemaNotFoundError as error:
            pytest.fail(f"{case}: {error.message}")
        except jsonschema.ValidationError as error:
            path = "/".join(str(part) for part in error.absolute_path)
            pytest.fail(f"{case} on {kube_version}: {item['kind']} {item['metadata']['name']} at {path}: {error.message}")


def test_the_validators_refuse_what_the_apiserver_refuses():
    """Neither validator is a stub: an unknown field, a wrong type and a bad duration are refused."""
    objects = rendered("features-values.yaml", "1.30")
    deployment = copy.deepcopy(only(objects, "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["envv"] = []
    with pytest.raises(jsonschema.ValidationError):
        validate(deployment, "1.30")
    deployment = copy.deepcopy(only(objects, "Deployment"))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(jsonschema.ValidationError):
        validate(deployment, "1.30")
    monitor = copy.deepcopy(only(objects, "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["interval"] = "30 seconds"
    with pytest.raises(jsonschema.ValidationError):
        validate(monitor, "1.30")
    monitor = copy.deepcopy(only(objects, "ServiceMonitor"))
    monitor["metadata"]["labelz"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate(monitor, "1.30")
