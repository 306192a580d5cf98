"""`helm lint --strict` by Helm's own engine, for every values case and Kubernetes version."""

import pytest

import render
from chart_cases import KUBE_VERSIONS, NAMESPACE, case_files, case_names

# Lint findings below warning level that are accepted, each with its reason. Warnings (severity 2) and errors are
# never accepted.
ACCEPTED_INFO = {
    # The project has no logo of its own; pointing at another project's would be wrong.
    ("Chart.yaml", "icon is recommended"),
}
WARNING = 2


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("case", case_names())
def test_lint_is_clean(case, kube_version):
    report = render.lint_chart(render.load_values(case_files(case)), NAMESPACE, kube_version)
    assert report["errors"] == [], report
    findings = [(message["path"], message["error"]) for message in report["messages"]]
    warnings = [message for message in report["messages"] if message["severity"] >= WARNING]
    assert warnings == [], f"lint warnings or errors for {case} on {kube_version}: {warnings}"
    unexpected = [finding for finding in findings if finding not in ACCEPTED_INFO]
    assert unexpected == [], f"unreviewed lint findings for {case} on {kube_version}: {unexpected}"


def test_lint_reports_a_broken_template(tmp_path):
    """The lint is real: a chart copy with a template error fails it."""
    import shutil

    copy = tmp_path / "node-termination-handler"
    shutil.copytree(render.CHART_DIR, copy)
    deployment = copy / "templates" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("{{- end }}\n", "{{- end\n", 1))
    report = render.lint_chart({}, NAMESPACE, "1.30", chart=copy)
    assert any(message["severity"] >= 3 for message in report["messages"]) or report["errors"], report
