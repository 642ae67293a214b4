"""gitward's chart renders the same with gitward's in-process Helm and with `helm template`.

The same values (the defaults, every option switched on, the strategy document's ALB Ingress, the
namespaced RBAC mode) go to both renderers; the objects must be equal key by key and field by
field. The example's gitward Application is rendered through `gitward render`, as a user would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_support import CHART, EXAMPLE, PROJECT, gitward_render, helm_template, keyed

from gitward.errors import RenderError

pytestmark = pytest.mark.helm_cli

EXAMPLES = CHART / "examples"
VALUE_SETS = {
    "defaults": (),
    "full": (EXAMPLES / "values-full.yaml",),
    "alb": (EXAMPLES / "values-alb.yaml",),
    "example-platform": (EXAMPLE / "gitops" / "platform" / "gitward-values.yaml",),
}


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_gitward_renders_the_chart_exactly_as_helm_template_does(helm: Path, name: str) -> None:
    files = VALUE_SETS[name]
    expected = helm_template(helm, *files)
    actual = gitward_render(*files)
    assert sorted(actual) == sorted(expected)
    for key, obj in expected.items():
        assert actual[key] == obj, f"{key} differs"


def test_the_namespaced_rbac_mode_renders_alike_with_its_roles(helm: Path) -> None:
    sets = ("rbac.scope=namespaced", "rbac.namespaces={dev,staging}")
    expected = helm_template(helm, sets=sets)
    actual = gitward_render(values="rbac: {scope: namespaced, namespaces: [dev, staging]}\n")
    assert actual == expected
    roles = sorted((key.kind, key.namespace) for key in actual if key.kind.startswith("Role"))
    assert roles == [
        ("Role", "dev"),
        ("Role", "staging"),
        ("RoleBinding", "dev"),
        ("RoleBinding", "staging"),
    ]


def test_the_comparison_sees_a_difference_when_there_is_one(helm: Path) -> None:
    assert helm_template(helm) != gitward_render(EXAMPLES / "values-full.yaml")


def test_values_outside_the_schema_are_refused_by_both_renderers(helm: Path) -> None:
    done = subprocess.run(
        [str(helm), "template", "x", str(CHART), "--set", "rbac.scope=everything"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "/rbac/scope" in done.stderr
    with pytest.raises(RenderError) as refused:
        gitward_render(values="rbac: {scope: everything}\n")
    assert "values.schema.json" in str(refused.value)
    assert "'/rbac/scope': value must be one of 'cluster', 'namespaced'" in str(refused.value)


def test_gitward_render_of_the_example_platform_app_is_the_chart_helm_installs(
    helm: Path, tmp_path: Path
) -> None:
    """`helm install -f gitward-values.yaml` and the gitward Application make the same objects,
    so the Application takes the release over with no change."""
    app_file = EXAMPLE / "gitops" / "platform" / "gitward.yaml"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "gitward", "render", str(app_file), "-o", "json"),
            *("--repo", f"https://github.com/your-org/gitward.git={PROJECT}"),
            *("--repo", f"https://github.com/giridharan-official/ai-chatbot-infra.git={EXAMPLE}"),
            *("--cache-dir", str(tmp_path / "cache")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (rendered,) = json.loads(done.stdout)["apps"]
    assert rendered["name"] == "gitward"
    assert rendered["destination"]["namespace"] == "gitward"
    expected = helm_template(helm, *VALUE_SETS["example-platform"])
    assert keyed(rendered["objects"]) == expected


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_helm_lint_strict_finds_nothing_wrong_with_the_chart(helm: Path, name: str) -> None:
    args = [str(helm), "lint", str(CHART), "--strict", "--namespace", "gitward"]
    for file in VALUE_SETS[name]:
        args += ["--values", str(file)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in done.stdout
