"""Which generator renders a source: explicit options first, then the files, as in Argo CD."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from render_builders import REPO_URL, application, chart_files, configmap, directory_source, write

from gitward.errors import ManifestError
from gitward.model.sources import DirectoryOptions, HelmOptions, Source
from gitward.render import Rendered, Renderer


def test_a_chart_yaml_makes_a_source_helm_without_options(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    assert render(Source(repo_url=REPO_URL, path="chart")).generator == "helm"


def test_explicit_directory_options_read_a_chart_directory_as_plain_files(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {**chart_files(), "chart/extra.yaml": configmap("plain")})
    rendered = render(directory_source("chart"))
    assert rendered.generator == "directory"
    assert [o["metadata"]["name"] for o in rendered.objects] == ["plain"]


def test_options_for_two_generators_are_refused(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, chart_files())
    source = Source(
        repo_url=REPO_URL, path="chart", helm=HelmOptions(), directory=DirectoryOptions()
    )
    with pytest.raises(ManifestError, match="several generators") as caught:
        render(source)
    assert caught.value.where.field == "spec.source"


def test_the_source_of_a_multi_source_app_is_named_by_its_index(repo: Path) -> None:
    write(repo, {"manifests/a.yaml": configmap("a")})
    first = directory_source()
    broken = Source(repo_url=REPO_URL, path="../escape")
    app = application(first, broken)
    with pytest.raises(Exception) as caught:
        Renderer().render(app, broken, repo, sha=None)
    assert caught.value.where.field == "spec.sources[1].path"
