#!/usr/bin/env python3
"""Renders a Helm chart with Helm's own engine (helm-python-sdk's libhelm_c, Helm v4) and prints its objects.

    python3 Tests/Chart/render.py --release NAME --namespace NS [--values FILE]... [--set key=value]...
        [--set-string key=value]... [--kube-version 1.30] [--chart DIR]

prints the rendered objects (every YAML document of every template, NOTES.txt excluded, in template order) as one
JSON array on stdout. Values apply in Helm's order: the files, merged left to right (maps merge, anything else is
replaced), then every --set (Helm's parser: `a=1` is a number), then every --set-string (values stay strings,
as env values must be), each written into the values so far as Helm does: `extraEnv[0].name=X` changes the name
of the first element of the file's extraEnv and keeps the others. Errors go to stderr with a non-zero exit status.
The chart defaults to charts/node-termination-handler of this repository. The tests import `render_chart` and
`lint_chart` from here, so the CLI and the tests render the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "node-termination-handler"

try:
    import helm_python
    from helm_python import _native
except ImportError as error:  # pragma: no cover - the message is the point
    raise SystemExit(
        f"render.py: helm-python-sdk is missing ({error}); install it with "
        "`python3 -m pip install helm-python-sdk` (scripts/test-chart does)"
    ) from error


class RenderError(Exception):
    """The chart could not be rendered; the message says why."""


def kube_git_version(version: str) -> str:
    """`1.30` or `v1.30.2` → `v1.30.0`-style version Helm's capabilities take."""
    text = version[1:] if version.startswith("v") else version
    parts = text.split(".")
    if len(parts) == 2:
        parts.append("0")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise RenderError(f"kube version {version!r} is not MAJOR.MINOR or MAJOR.MINOR.PATCH")
    return "v" + ".".join(parts)


def merge_values(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of several values files: nested maps merge, any other value (lists too) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


def set_into(base: Any, override: Any) -> Any:
    """Helm's `--set` (strvals.ParseInto): maps merge, a list is updated element by element (an index the
    expression does not name, None in the parsed list, keeps the element there), anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = set_into(merged.get(key), value) if key in merged else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        merged = list(base) + [None] * (len(override) - len(base))
        for index, value in enumerate(override):
            if value is not None:
                merged[index] = set_into(merged[index], value) if merged[index] is not None else value
        return merged
    return override


def load_values(
    files: list[Path | str] = (),
    sets: list[str] = (),
    extra: list[dict[str, Any]] = (),
    string_sets: list[str] = (),
) -> dict[str, Any]:
    """Values as `helm install -f FILE... --set EXPR... --set-string EXPR...` composes them; `extra` dicts apply
    after the files."""
    values: dict[str, Any] = {}
    for file in files:
        path = Path(file)
        try:
            document = helm_python.values_from_yaml(path.read_text())
        except OSError as error:
            raise RenderError(f"cannot read values file {path}: {error.strerror}") from error
        except helm_python.HelmError as error:
            raise RenderError(f"values file {path} is not valid YAML: {error}") from error
        values = merge_values(values, document or {})
    for document in extra:
        values = merge_values(values, document)
    for expression in sets:
        try:
            values = set_into(values, helm_python.parse_set_string(expression))
        except helm_python.HelmError as error:
            raise RenderError(f"--set {expression!r} is malformed: {error}") from error
    for expression in string_sets:
        try:
            values = set_into(values, helm_python.parse_set_string_values(expression))
        except helm_python.HelmError as error:
            raise RenderError(f"--set-string {expression!r} is malformed: {error}") from error
    return values


def render_manifests(
    values: dict[str, Any],
    release: str,
    namespace: str,
    kube_version: str | None = None,
    chart: Path | str = CHART_DIR,
) -> dict[str, str]:
    """Template path → rendered text, by Helm's engine, with `.Capabilities.KubeVersion` set when given.

    helm-python-sdk 0.2.2's `Chart.render` takes no kube version, but its native `helm_render` reads
    `kube_version` from the same options object; this calls it directly with that option.
    """
    options: dict[str, Any] = {"name": release, "namespace": namespace, "is_install": True}
    if kube_version is not None:
        options["kube_version"] = kube_git_version(kube_version)
    try:
        loaded = helm_python.Chart.load(str(chart))
    except helm_python.HelmError as error:
        raise RenderError(f"cannot load the chart at {chart}: {error}") from error
    with loaded:
        try:
            rendered = _native.call_string(
                "helm_render", loaded._raw(), json.dumps(values), json.dumps(options)
            )
        except helm_python.HelmError as error:
            raise RenderError(f"{Path(chart).name} does not render: {error}") from error
        except AttributeError as error:
            raise RenderError(
                f"helm-python-sdk {helm_python.__version__} lacks the native render this uses ({error}); "
                "install helm-python-sdk 0.2.x"
            ) from error
    return json.loads(rendered)


def render_chart(
    values: dict[str, Any],
    release: str = "nth",
    namespace: str = "kube-system",
    kube_version: str | None = None,
    chart: Path | str = CHART_DIR,
) -> list[dict[str, Any]]:
    """The rendered objects, in template-path order, empty documents and NOTES.txt left out."""
    manifests = render_manifests(values, release, namespace, kube_version, chart)
    objects: list[dict[str, Any]] = []
    for path in sorted(manifests):
        if path.endswith("NOTES.txt"):
            continue
        try:
            documents = list(yaml.safe_load_all(manifests[path]))
        except yaml.YAMLError as error:
            raise RenderError(f"{path} rendered invalid YAML: {error}") from error
        for document in documents:
            if document is None:
                continue
            if not isinstance(document, dict) or "kind" not in document:
                raise RenderError(f"{path} rendered a document that is not a Kubernetes object: {document!r}")
            objects.append(document)
    return objects


def lint_chart(
    values: dict[str, Any],
    namespace: str = "kube-system",
    kube_version: str | None = None,
    chart: Path | str = CHART_DIR,
) -> dict[str, Any]:
    """`helm lint --strict` by Helm's engine: {"messages": [{"severity", "path", "error"}], "errors": [...]}."""
    return helm_python.lint(
        str(chart),
        values,
        strict=True,
        namespace=namespace,
        kube_version=kube_git_version(kube_version) if kube_version else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", required=True, help="the release name")
    parser.add_argument("--namespace", required=True, help="the release namespace")
    parser.add_argument("--values", "-f", action="append", default=[], help="a values file (repeatable)")
    parser.add_argument("--set", action="append", default=[], dest="sets", help="key=value (repeatable)")
    parser.add_argument(
        "--set-string", action="append", default=[], dest="string_sets", help="key=value kept a string (repeatable)"
    )
    parser.add_argument("--kube-version", help="the Kubernetes version the capabilities report, e.g. 1.30")
    parser.add_argument("--chart", default=str(CHART_DIR), help="the chart directory (default: ours)")
    arguments = parser.parse_args(argv)
    try:
        values = load_values(arguments.values, arguments.sets, string_sets=arguments.string_sets)
        objects = render_chart(values, arguments.release, arguments.namespace, arguments.kube_version, arguments.chart)
    except RenderError as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 1
    json.dump(objects, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
