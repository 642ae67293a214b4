"""Kustomize sources through the real kustomize (or kubectl kustomize) program."""

from __future__ import annotations

from pathlib import Path

import pytest
from render_builders import application, by_kind_name, configmap, kustomize_source, write

from gitward.errors import ManifestError, RenderError, SourceError, ToolUnavailableError
from gitward.model.sources import Source
from gitward.render import Rendered, Renderer

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.25}]
"""


@pytest.fixture
def overlay(repo: Path) -> Path:
    return write(
        repo,
        {
            "base/kustomization.yaml": "resources:\n  - cm.yaml\n  - deploy.yaml\n",
            "base/cm.yaml": configmap("settings", mode="base"),
            "base/deploy.yaml": DEPLOYMENT,
            "overlay/kustomization.yaml": "resources:\n  - ../base\n",
        },
    )


def run(repo: Path, source: Source, search_path: str, **kwargs: object) -> Rendered:
    renderer = Renderer(tool_path=search_path)
    return renderer.render(application(source, namespace="dev"), source, repo, sha=None, **kwargs)  # type: ignore[arg-type]


def test_a_kustomization_is_built_with_its_bases(overlay: Path, kustomize_available: str) -> None:
    rendered = run(overlay, kustomize_source(), kustomize_available)
    assert rendered.generator == "kustomize"
    objects = by_kind_name(rendered)
    assert set(objects) == {("ConfigMap", "settings"), ("Deployment", "web")}
    assert objects[("ConfigMap", "settings")]["metadata"]["namespace"] == "dev"
    assert set(rendered.origins) == {"overlay/kustomization.yaml"}


def test_a_source_with_a_kustomization_is_detected_without_options(
    overlay: Path, kustomize_available: str
) -> None:
    write(overlay, {"overlay/Chart.yaml": "apiVersion: v2\nname: x\nversion: 0.1.0\n"})
    source = Source(repo_url="https://example.invalid/r.git", path="overlay")
    assert run(overlay, source, kustomize_available).generator == "kustomize"


def test_argo_cd_kustomize_options_are_applied_to_a_copy_not_the_checkout(
    overlay: Path, kustomize_available: str
) -> None:
    kustomization = overlay / "overlay" / "kustomization.yaml"
    before = kustomization.read_bytes()
    source = kustomize_source(
        name_prefix="pre-",
        name_suffix="-suf",
        namespace="team",
        images=("nginx=registry.example/nginx:2.0",),
        common_labels={"team": "shop"},
        common_annotations={"owner": "ops"},
    )
    objects = by_kind_name(run(overlay, source, kustomize_available))
    deployment = objects[("Deployment", "pre-web-suf")]
    assert deployment["metadata"]["namespace"] == "team"
    assert deployment["metadata"]["labels"]["team"] == "shop"
    assert deployment["metadata"]["annotations"]["owner"] == "ops"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "registry.example/nginx:2.0"
    )
    assert ("ConfigMap", "pre-settings-suf") in objects
    assert kustomization.read_bytes() == before


def test_an_image_tag_alone_keeps_the_image_name(overlay: Path, kustomize_available: str) -> None:
    objects = by_kind_name(
        run(overlay, kustomize_source(images=("nginx:1.27",)), kustomize_available)
    )
    image = objects[("Deployment", "web")]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "nginx:1.27"


def test_a_common_label_already_in_the_kustomization_is_refused(
    overlay: Path, kustomize_available: str
) -> None:
    write(
        overlay, {"overlay/kustomization.yaml": "resources: [../base]\ncommonLabels: {team: a}\n"}
    )
    with pytest.raises(ManifestError, match="already set") as caught:
        run(overlay, kustomize_source(common_labels={"team": "b"}), kustomize_available)
    assert caught.value.where.field == "spec.source.kustomize.commonLabels"


def test_a_failing_build_names_the_kustomization_file(repo: Path, kustomize_available: str) -> None:
    write(repo, {"overlay/kustomization.yaml": "resources:\n  - missing.yaml\n"})
    with pytest.raises(RenderError, match="kustomize build failed") as caught:
        run(repo, kustomize_source(), kustomize_available)
    assert caught.value.where.file == "overlay/kustomization.yaml"


def test_kustomize_options_on_a_directory_without_kustomization_are_refused(
    repo: Path, kustomize_available: str
) -> None:
    write(repo, {"overlay/cm.yaml": configmap("a")})
    with pytest.raises(SourceError, match="kustomization"):
        run(repo, kustomize_source(), kustomize_available)


def test_a_missing_kustomize_program_is_a_tool_unavailable_error(
    overlay: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    with pytest.raises(ToolUnavailableError, match="kubectl"):
        run(overlay, kustomize_source(), str(empty))
