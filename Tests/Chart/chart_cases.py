"""What the chart tests render: Kubernetes versions, values cases, NTH's chart, and docs/migration.md's tables."""

from __future__ import annotations

import functools
import os
import re
import textwrap
from pathlib import Path
from typing import Any

import yaml

import render

REPO_ROOT = render.REPO_ROOT
CHART_DIR = render.CHART_DIR
CI_DIR = CHART_DIR / "ci"
MIGRATION_DOC = REPO_ROOT / "docs" / "migration.md"

KUBE_VERSIONS = ["1.28", "1.29", "1.30", "1.31", "1.32", "1.33"]
RELEASE = "nth"
NAMESPACE = "kube-system"


def shared_dir() -> Path:
    """The shared folder: NTH_SHARED_DIR, or `<repo root>/../shared` (as the Swift suites find it)."""
    return Path(os.environ.get("NTH_SHARED_DIR", REPO_ROOT.parent / "shared"))


def nth_chart_dir() -> Path:
    """NTH's published chart (0.27.6), read in place; a missing copy fails loudly, never skips."""
    path = shared_dir() / "reference" / "nth-chart"
    if not (path / "Chart.yaml").is_file():
        raise FileNotFoundError(
            f"NTH's chart is missing at {path}: set NTH_SHARED_DIR to the shared folder that holds reference/nth-chart"
        )
    return path


def nth_example_values_file() -> Path:
    return nth_chart_dir() / "example-values-queue.yaml"


def ci_values_files() -> list[Path]:
    files = sorted(CI_DIR.glob("*-values.yaml"))
    if not files:
        raise FileNotFoundError(f"no values files in {CI_DIR}")
    return files


def case_names() -> list[str]:
    """`defaults`, each ci/ file by name, and NTH's example."""
    return ["defaults"] + [path.name for path in ci_values_files()] + ["nth:example-values-queue.yaml"]


def case_files(name: str) -> list[Path]:
    if name == "defaults":
        return []
    if name == "nth:example-values-queue.yaml":
        return [nth_example_values_file()]
    return [CI_DIR / name]


@functools.lru_cache(maxsize=None)
def rendered(name: str, kube_version: str | None = None) -> tuple[dict[str, Any], ...]:
    """Our chart's objects for a case (cached; treat as read-only)."""
    values = render.load_values(case_files(name))
    return tuple(render.render_chart(values, RELEASE, NAMESPACE, kube_version))


def objects_of(objects, kind: str) -> list[dict[str, Any]]:
    return [item for item in objects if item["kind"] == kind]


def only(objects, kind: str) -> dict[str, Any]:
    found = objects_of(objects, kind)
    assert len(found) == 1, f"expected one {kind}, rendered {len(found)}"
    return found[0]


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    spec = deployment["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def env_by_name(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """name → the entry without its name; a repeated name is an assertion failure."""
    result: dict[str, dict[str, Any]] = {}
    for entry in container.get("env", []):
        assert entry["name"] not in result, f"env {entry['name']} given twice in container {container['name']}"
        result[entry["name"]] = {key: value for key, value in entry.items() if key != "name"}
    return result


def _between(text: str, begin: str, end: str) -> str:
    match = re.search(re.escape(begin) + r"[^\n]*\n(.*?)" + re.escape(end), text, re.S)
    if match is None:
        raise AssertionError(f"{MIGRATION_DOC} has no block between '{begin}' and '{end}'")
    return match.group(1)


@functools.lru_cache(maxsize=None)
def migration_env_exceptions() -> dict[str, str]:
    """docs/migration.md's table of NTH variables not rendered: name → reason."""
    block = _between(MIGRATION_DOC.read_text(), "<!-- begin env-exceptions", "<!-- end env-exceptions -->")
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (.+?) \|$", block, re.M)
    if not rows:
        raise AssertionError(f"the env-exceptions table of {MIGRATION_DOC} has no rows")
    return dict(rows)


@functools.lru_cache(maxsize=None)
def migration_values() -> dict[str, Any]:
    """The values docs/migration.md tells a switching user to add (its migration-values YAML block)."""
    block = _between(MIGRATION_DOC.read_text(), "<!-- begin migration-values", "<!-- end migration-values -->")
    match = re.search(r"```yaml\n(.*?)```", block, re.S)
    if match is None:
        raise AssertionError(f"the migration-values block of {MIGRATION_DOC} has no ```yaml fence")
    values = yaml.safe_load(textwrap.dedent(match.group(1)))
    assert isinstance(values, dict) and values, "the migration values are not a YAML map"
    return values
