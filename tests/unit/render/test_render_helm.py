"""Helm sources: what the in-process render keeps, drops and refuses, with located errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from render_builders import application, by_kind_name, chart_files, configmap, helm_source, write

from gitward.errors import ManifestError, PathEscapeError, RenderError, SourceError
from gitward.model.capabilities import Capabilities
from gitward.model.sources import Source
from gitward.render import Limits, Rendered, Renderer

HOOK_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-1"
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
"""

TEST_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    helm.sh/hook: test
spec:
  containers: [{name: t, image: busybox}]
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true}]
"""


CLUSTER_ROLE = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n"


def cm_template(name: str) -> str:
    return configmap("{{ .Release.Name }}-" + name)


def test_release_name_is_the_app_name_and_namespace_the_destination(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files(templates={"cm.yaml": cm_template("config")}))
    rendered = render(helm_source(), name="shop-dev", namespace="dev")
    assert rendered.generator == "helm"
    (obj,) = rendered.objects
    assert obj["metadata"] == {"name": "shop-dev-config", "namespace": "dev"}
    assert rendered.origins == ["chart/templates/cm.yaml"]


def test_release_name_and_namespace_options_override_the_defaults(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    rendered = render(helm_source(release_name="shop", namespace="other"), namespace="dev")
    (obj,) = rendered.objects
    assert obj["metadata"] == {"name": "shop-values", "namespace": "other"}


def test_an_app_name_helm_cannot_use_as_release_name_is_refused(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    with pytest.raises(ManifestError, match="release name") as caught:
        render(helm_source(release_name="Not_Valid"))
    assert caught.value.where.field == "spec.source.helm.releaseName"


def test_notes_partials_and_empty_templates_are_dropped(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    templates = {
        "NOTES.txt": "Thanks for installing {{ .Release.Name }}",
        "_helpers.tpl": '{{- define "demo.name" -}}demo{{- end -}}',
        "empty.yaml": "{{- if false }}\nkind: Nothing\n{{- end }}\n",
        "cm.yaml": configmap('{{ include "demo.name" . }}-cm'),
    }
    write(repo, chart_files(templates=templates))
    assert [o["metadata"]["name"] for o in render(helm_source()).objects] == ["demo-cm"]


def test_hooks_are_kept_with_their_annotations(repo: Path, render: Callable[..., Rendered]) -> None:
    write(repo, chart_files(templates={"job.yaml": HOOK_JOB}))
    job = by_kind_name(render(helm_source()))[("Job", "demo-migrate")]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


def test_test_hooks_are_kept_unless_skip_tests(repo: Path, render: Callable[..., Rendered]) -> None:
    write(repo, chart_files(templates={"tests/t.yaml": TEST_POD, "cm.yaml": cm_template("c")}))
    assert ("Pod", "demo-test") in by_kind_name(render(helm_source()))
    kept = by_kind_name(render(helm_source(skip_tests=True)))
    assert list(kept) == [("ConfigMap", "demo-c")]


def test_crds_are_included_first_unless_skip_crds(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {**chart_files(templates={"cm.yaml": cm_template("c")}), "chart/crds/w.yaml": CRD})
    rendered = render(helm_source())
    assert [o["kind"] for o in rendered.objects] == ["CustomResourceDefinition", "ConfigMap"]
    assert rendered.origins[0] == "chart/crds/w.yaml"
    skipped = render(helm_source(skip_crds=True))
    assert [o["kind"] for o in skipped.objects] == ["ConfigMap"]


def test_a_crd_declared_cluster_scoped_keeps_its_objects_out_of_namespaces(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
    write(repo, {**chart_files(templates={"w.yaml": widget}), "chart/crds/w.yaml": CRD})
    objects = by_kind_name(render(helm_source(), namespace="dev"))
    assert "namespace" not in objects[("Widget", "w")]["metadata"]
    assert (
        "namespace" not in objects[("CustomResourceDefinition", "widgets.example.com")]["metadata"]
    )


def test_namespaced_objects_get_the_destination_namespace_and_cluster_scoped_ones_none(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    templates = {
        "cm.yaml": configmap("plain"),
        "pinned.yaml": configmap("pinned").replace(
            "  name: pinned", "  name: pinned\n  namespace: kept"
        ),
        "role.yaml": CLUSTER_ROLE,
        "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n",
    }
    write(repo, chart_files(templates=templates))
    objects = by_kind_name(render(helm_source(), namespace="dev"))
    assert objects[("ConfigMap", "plain")]["metadata"]["namespace"] == "dev"
    assert objects[("ConfigMap", "pinned")]["metadata"]["namespace"] == "kept"
    assert "namespace" not in objects[("ClusterRole", "r")]["metadata"]
    assert "namespace" not in objects[("Namespace", "extra")]["metadata"]


def test_values_schema_is_enforced_unless_skipped(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    schema = '{"type": "object", "properties": {"replicas": {"type": "integer"}}}'
    write(repo, {**chart_files(values="replicas: 1\n"), "chart/values.schema.json": schema})
    with pytest.raises(RenderError, match=r"values\.schema\.json") as caught:
        render(helm_source(values="replicas: many\n"))
    assert "skipSchemaValidation" in caught.value.hint
    assert render(helm_source(values="replicas: many\n", skip_schema_validation=True)).objects


def test_a_template_error_names_the_template_file_and_line(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    broken = configmap("ok") + '\n  bad: {{ required "set tag" .Values.tag }}\n'
    write(repo, chart_files(templates={"deploy.yaml": broken}))
    with pytest.raises(RenderError) as caught:
        render(helm_source(), name="shop")
    assert caught.value.where.file == "chart/templates/deploy.yaml:7"
    assert "set tag" in caught.value.message
    assert "Application shop" in caught.value.message


def test_a_template_parse_error_names_the_template_file_and_line(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files(templates={"x.yaml": "a: 1\nb: {{ if }}\n"}))
    with pytest.raises(RenderError) as caught:
        render(helm_source())
    assert caught.value.where.file == "chart/templates/x.yaml:2"


def test_a_template_rendering_invalid_yaml_names_the_template(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files(templates={"x.yaml": configmap("a") + "\n  key: [unclosed\n"}))
    with pytest.raises(ManifestError) as caught:
        render(helm_source())
    assert caught.value.where.file is not None
    assert caught.value.where.file.startswith("chart/templates/x.yaml:")


def test_the_same_object_from_two_templates_is_an_error_naming_both(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files(templates={"a.yaml": configmap("same"), "b.yaml": configmap("same")}))
    with pytest.raises(ManifestError, match="defined twice") as caught:
        render(helm_source())
    assert "chart/templates/a.yaml" in caught.value.message
    assert "chart/templates/b.yaml" in caught.value.message


def test_a_directory_without_chart_yaml_is_not_a_chart(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {"chart/templates/cm.yaml": configmap("a")})
    with pytest.raises(SourceError, match=r"no Chart\.yaml") as caught:
        render(helm_source())
    assert caught.value.where.field == "spec.source.path"


def test_a_missing_chart_directory_is_a_source_error(render: Callable[..., Rendered]) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        render(helm_source("charts/nowhere"))


def test_a_declared_dependency_missing_from_charts_is_refused(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    files = chart_files()
    files["chart/Chart.yaml"] += "dependencies:\n  - name: redis\n    version: 1.0.0\n"
    write(repo, files)
    with pytest.raises(SourceError, match="redis"):
        render(helm_source())


def test_a_chart_path_climbing_out_of_the_repository_is_refused(
    repo: Path, tmp_path: Path, render: Callable[..., Rendered]
) -> None:
    write(tmp_path / "outside", chart_files("chart"))
    with pytest.raises(PathEscapeError):
        render(helm_source("../outside/chart"))


@pytest.mark.parametrize(
    "value_file",
    ["../../../../etc/passwd", "https://evil.example/values.yaml", "file:///etc/passwd"],
)
def test_value_files_outside_the_repository_are_refused(
    repo: Path, render: Callable[..., Rendered], value_file: str
) -> None:
    write(repo, chart_files())
    with pytest.raises((PathEscapeError, SourceError)) as caught:
        render(helm_source(value_files=(value_file,)))
    assert caught.value.where.field == "spec.source.helm.valueFiles[0]"
    assert "root:" not in caught.value.message


def test_an_absolute_value_file_is_read_from_the_repository_root_not_the_disk(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    with pytest.raises(SourceError, match="does not exist"):
        render(helm_source(value_files=("/etc/passwd",)))


def test_a_value_file_symlinked_to_a_file_outside_the_repository_is_refused(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    (repo / "chart" / "passwd.yaml").symlink_to("/etc/passwd")
    with pytest.raises(PathEscapeError, match="outside"):
        render(helm_source(value_files=("passwd.yaml",)))


def test_a_chart_template_symlinked_outside_the_repository_is_refused_before_loading(
    repo: Path, tmp_path: Path, render: Callable[..., Rendered]
) -> None:
    secret = write(tmp_path / "host", {"secret.yaml": configmap("stolen")}) / "secret.yaml"
    write(repo, chart_files())
    (repo / "chart" / "templates" / "secret.yaml").symlink_to(secret)
    with pytest.raises(PathEscapeError, match="outside"):
        render(helm_source())


def test_a_symlink_inside_the_repository_is_followed(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {**chart_files(templates={}), "shared/cm.yaml": configmap("shared")})
    (repo / "chart" / "templates").mkdir(parents=True, exist_ok=True)
    (repo / "chart" / "templates" / "cm.yaml").symlink_to(repo / "shared" / "cm.yaml")
    assert [o["metadata"]["name"] for o in render(helm_source()).objects] == ["shared"]


CAPABILITIES_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: caps
data:
  version: {{ .Capabilities.KubeVersion.Version | quote }}
  widgets: {{ .Capabilities.APIVersions.Has "example.com/v1/Widget" | quote }}
"""


def _capabilities(rendered: Rendered) -> dict[str, str]:
    data: dict[str, str] = rendered.objects[0]["data"]
    return data


def test_helm_sees_the_clusters_capabilities_and_the_apps_override_them(repo: Path) -> None:
    write(repo, chart_files(templates={"caps.yaml": CAPABILITIES_TEMPLATE}))
    cluster = Capabilities("v1.28.3", ("example.com/v1", "example.com/v1/Widget"))
    renderer = Renderer()

    def rendered(source: Source, capabilities: Capabilities | None) -> dict[str, str]:
        found = renderer.render(
            application(source), source, repo, sha=None, capabilities=capabilities
        )
        return _capabilities(found)

    assert rendered(helm_source(), cluster) == {"version": "v1.28.3", "widgets": "true"}
    overridden = helm_source(kube_version="1.30", api_versions=("other.io/v1",))
    assert rendered(overridden, cluster) == {"version": "v1.30", "widgets": "false"}
    assert rendered(helm_source(), None)["widgets"] == "false"  # Helm's defaults, offline


def test_a_kube_version_that_is_no_version_is_an_error_naming_the_field(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    with pytest.raises(ManifestError) as caught:
        render(helm_source(kube_version="latest"))
    assert "spec.source.helm.kubeVersion" in caught.value.message


def test_a_disabled_subchart_in_one_render_does_not_vanish_from_the_next(repo: Path) -> None:
    files = chart_files(values="sub:\n  enabled: true\n", templates={"cm.yaml": cm_template("top")})
    files["chart/Chart.yaml"] += (
        "dependencies:\n  - name: sub\n    version: 0.1.0\n    condition: sub.enabled\n"
    )
    files.update(
        chart_files("chart/charts/sub", name="sub", templates={"s.yaml": cm_template("sub")})
    )
    write(repo, files)
    renderer = Renderer()

    def names(source: Source, app_name: str) -> list[str]:
        app = application(source, name=app_name)
        rendered = renderer.render(app, source, repo, sha="a" * 40)
        return sorted(o["metadata"]["name"] for o in rendered.objects)

    assert names(helm_source(values="sub:\n  enabled: false\n"), "off") == ["off-top"]
    assert names(helm_source(), "on") == ["on-sub", "on-top"]


async def test_concurrent_renders_disabling_a_subchart_never_leak_into_each_other(
    repo: Path,
) -> None:
    files = chart_files(values="sub:\n  enabled: true\n", templates={"cm.yaml": cm_template("top")})
    files["chart/Chart.yaml"] += (
        "dependencies:\n  - name: sub\n    version: 0.1.0\n    condition: sub.enabled\n"
    )
    files.update(
        chart_files("chart/charts/sub", name="sub", templates={"s.yaml": cm_template("sub")})
    )
    write(repo, files)
    renderer = Renderer()
    off, on = helm_source(values="sub:\n  enabled: false\n"), helm_source()
    jobs = [(f"app-{i}", off if i % 2 else on) for i in range(12)]
    results = await asyncio.gather(
        *(
            renderer.render_async(application(source, name=name), source, repo, sha="c" * 40)
            for name, source in jobs
        )
    )
    for (name, source), rendered in zip(jobs, results, strict=True):
        expected = [f"{name}-top"] if source is off else [f"{name}-sub", f"{name}-top"]
        assert sorted(o["metadata"]["name"] for o in rendered.objects) == expected


def test_a_chart_directory_with_more_files_than_the_limit_is_refused(repo: Path) -> None:
    files = chart_files()
    files.update({f"chart/files/f{i}.txt": "x" for i in range(10)})
    write(repo, files)
    source = helm_source()

    with pytest.raises(SourceError, match="more than 5 files") as caught:
        Renderer(limits=Limits(max_files=5)).render(application(source), source, repo, sha=None)

    assert caught.value.where.field == "spec.source.path"
