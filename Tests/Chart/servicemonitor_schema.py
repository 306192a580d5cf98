"""The ServiceMonitor (monitoring.coreos.com/v1) schema the chart's ServiceMonitor is validated against.

No PyPI or Debian package available here ships the prometheus-operator CRDs' openAPIV3Schema (Debian has no
prometheus-operator package; on PyPI, cloudcoil-models-prometheus-operator ships pydantic models generated from
it, not the schema). So this is a SUBSET written by hand from the upstream CRD
(`example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml`, operator 0.84): the top level, and
under `spec` exactly the fields this chart can render (`selector`, `endpoints[].port/path/interval/scrapeTimeout`,
`sampleLimit`, `jobLabel`, `namespaceSelector`), with the upstream types, patterns and required lists. Any other
field is refused (`additionalProperties: false`), so rendering a new ServiceMonitor field fails the test until
that field's upstream schema is added here. `metadata` is validated against Kubernetes' own ObjectMeta schema of
the version under test.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
from referencing import Registry, Resource

# Upstream's pattern for Prometheus durations (Duration type), used by interval and scrapeTimeout.
DURATION = r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"

LABEL_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["key", "operator"],
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"type": "string"},
                    "values": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://kubernetes.io/api/servicemonitor-monitoring-v1-subset.json",
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": {"$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["endpoints", "selector"],
            "properties": {
                "selector": LABEL_SELECTOR,
                "endpoints": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string"},
                            "interval": {"type": "string", "pattern": DURATION},
                            "scrapeTimeout": {"type": "string", "pattern": DURATION},
                        },
                    },
                },
                "sampleLimit": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
                "jobLabel": {"type": "string"},
                "namespaceSelector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "any": {"type": "boolean"},
                        "matchNames": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
}


@functools.lru_cache(maxsize=None)
def validator(kube_version: str) -> jsonschema.Draft202012Validator:
    """A validator whose ObjectMeta is kubernetes-validate's strict schema for `kube_version` (e.g. "1.30")."""
    package = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    definitions_file = package / f"v{kube_version}.0-local-strict" / "_definitions.json"
    if not definitions_file.is_file():
        raise FileNotFoundError(f"kubernetes-validate has no strict schemas for {kube_version} ({definitions_file})")
    definitions = Resource.from_contents(json.loads(definitions_file.read_text()))
    registry = definitions @ Registry()
    return jsonschema.Draft202012Validator(SCHEMA, registry=registry)


def validate(service_monitor: dict[str, Any], kube_version: str) -> None:
    """Raises jsonschema.ValidationError when the object is outside the schema."""
    validator(kube_version).validate(service_monitor)
