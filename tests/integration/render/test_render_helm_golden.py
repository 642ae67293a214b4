"""gitward's in-process Helm render against the real `helm template`, object by object.

For each environment of the example, the helm binary runs with the arguments Argo CD's repo
server uses (`helm template <chart> --name-template <app> --namespace <ns> --values <file>
--include-crds`). Both outputs are parsed by the same YAML reader and keyed by ResourceKey.
`helm template` leaves `metadata.namespace` to the templates; gitward then gives namespaced
objects without one the destination namespace (as Argo CD does before applying), so that same
defaulting is applied to helm's objects before comparing: every other field must be equal.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitward.model.application import Application, Destination
from gitward.model.objects import ResourceKey
from gitward.model.sources import HelmOptions, HelmParameter, Source
from gitward.render import Renderer, finishing, manifests
from gitward.render.request import FetchedChart

pytestmark = pytest.mark.helm_cli

ENVIRONMENTS = ("dev", "staging", "prod")


def helm_template(helm: Path, example: Path, app: Application) -> list[dict[str, Any]]:
    source = app.source
    assert source.helm is not None
    args = [str(helm), "template", ".", "--name-template", app.name]
    args += ["--namespace", app.destination.namespace, "--include-crds"]
    for value_file in source.helm.value_files:
        args += ["--values", value_file]
    done = subprocess.run(
        args, cwd=example / source.path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    found = manifests.parse_manifests(done.stdout, file="helm template")
    finishing.default_namespaces(found, app.destination.namespace, frozenset())
    return [item.manifest for item in found]


def keyed(objects: list[dict[str, Any]]) -> dict[ResourceKey, dict[str, Any]]:
    result = {ResourceKey.of(obj): obj for obj in objects}
    assert len(result) == len(objects), "duplicate objects"
    return result


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gitward_renders_exactly_what_helm_template_renders(
    helm_binary: Path,
    example: Path,
    built_example: Path,
    example_dependencies: tuple[FetchedChart, ...],
    env_apps: dict[str, Application],
    env: str,
) -> None:
    app = env_apps[env]
    expected = keyed(helm_template(helm_binary, built_example, app))
    rendered = Renderer().render(
        app, app.source, example, sha=None, dependencies=example_dependencies
    )
    actual = keyed(rendered.objects)
    assert any(key.kind == "StatefulSet" for key in actual), "mongodb was not rendered"
    assert sorted(actual) == sorted(expected)
    for key, obj in expected.items():
        assert actual[key] == obj, f"{key} differs"


def test_the_comparison_sees_a_difference_when_there_is_one(
    helm_binary: Path,
    example: Path,
    built_example: Path,
    example_dependencies: tuple[FetchedChart, ...],
    env_apps: dict[str, Application],
) -> None:
    dev, prod = env_apps["dev"], env_apps["prod"]
    helm_prod = keyed(helm_template(helm_binary, built_example, prod))
    rendered = Renderer().render(
        dev, dev.source, example, sha=None, dependencies=example_dependencies
    )
    gitward_dev = keyed(rendered.objects)
    assert helm_prod != gitward_dev


FEATURE_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: features\nversion: 1.2.3\nappVersion: '9'\n",
    "values.yaml": "tier: chart\nimage: {repository: nginx, tag: chart}\nkeep: chart\n"
    "drop: chart\nservers: [{name: a, port: 1}]\n",
    "crds/widget.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    "metadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n"
    "  names: {kind: Widget, plural: widgets}\n",
    "templates/NOTES.txt": "installed {{ .Release.Name }}",
    "templates/_helpers.tpl": '{{- define "f.labels" -}}app: {{ .Chart.Name }}{{- end -}}',
    "templates/values.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
    '  name: {{ .Release.Name }}-values\n  labels:\n    {{- include "f.labels" . | nindent 4 }}\n'
    "data:\n  values: {{ .Values | toJson | quote }}\n  release: {{ .Release | toJson | quote }}\n"
    "  chart: {{ .Chart.Version }}-{{ .Chart.AppVersion }}\n",
    "templates/hook.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n"
    "  name: {{ .Release.Name }}-hook\n  annotations:\n    helm.sh/hook: post-install\n"
    "spec: {template: {spec: {restartPolicy: Never, containers: [{name: h, image: busybox}]}}}\n",
    "templates/tests/t.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n"
    "  name: {{ .Release.Name }}-t\n  annotations: {helm.sh/hook: test}\n"
    "spec: {containers: [{name: t, image: busybox}]}\n",
    "values/a.yaml": "tier: a\nimage: {tag: a}\n"
    "servers: [{name: a, port: 1}, {name: b, port: 2}]\n",
    "values/b.yaml": "tier: b\ndrop: null\n",
}


def test_value_layers_hooks_and_crds_match_helm_template(helm_binary: Path, tmp_path: Path) -> None:
    chart = tmp_path / "repo" / "chart"
    for name, text in FEATURE_CHART.items():
        (chart / name).parent.mkdir(parents=True, exist_ok=True)
        (chart / name).write_text(text)
    options = HelmOptions(
        value_files=("values/a.yaml", "values/b.yaml"),
        values="extra: inline\nimage: {repository: inline}\n",
        parameters=(
            HelmParameter("servers[1].port", "9"),
            HelmParameter("image.tag", "param"),
            HelmParameter("port", "8080", force_string=True),
            HelmParameter("hosts", "a.example,b.example"),
        ),
    )
    source = Source(repo_url="https://example.invalid/r.git", path="chart", helm=options)
    app = Application(
        name="golden",
        project="default",
        sources=(source,),
        destination=Destination(server="https://kubernetes.default.svc", namespace="ns"),
    )
    (tmp_path / "inline.yaml").write_text(options.values)
    args = [str(helm_binary), "template", ".", "--name-template", "golden", "--namespace", "ns"]
    args += ["--values", "values/a.yaml", "--values", "values/b.yaml"]
    args += ["--values", str(tmp_path / "inline.yaml"), "--include-crds"]
    args += ["--set", "servers[1].port=9", "--set", "image.tag=param"]
    args += ["--set", "hosts=a.example\\,b.example", "--set-string", "port=8080"]
    done = subprocess.run(args, cwd=chart, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = manifests.parse_manifests(done.stdout, file="helm template")
    finishing.default_namespaces(found, "ns", frozenset())
    expected = keyed([item.manifest for item in found])
    actual = keyed(Renderer().render(app, source, tmp_path / "repo", sha=None).objects)
    assert sorted(actual) == sorted(expected)
    for key, obj in expected.items():
        assert actual[key] == obj, f"{key} differs"
