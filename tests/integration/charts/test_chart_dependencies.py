"""``Chart.yaml`` dependencies fetched as Argo CD's ``helm dependency build`` fetches them: from an
HTTP chart repository and an OCI registry, at the version ``Chart.lock`` pins, with aliases,
conditions and tags applied by Helm, ``file://`` charts only from inside the repository."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
from chart_servers import index, package, serve, write_chart
from conftest import render_cli

from gitward.model.objects import ResourceKey
from gitward.render import finishing, manifests
from support import applications

GIT_URL = "https://git.example.com/team/platform.git"


def publish(tmp_path: Path, versions: dict[str, str]) -> Path:
    served = tmp_path / "served"
    for version, greeting in versions.items():
        package(write_chart(tmp_path / "src" / version, "web", version, greeting=greeting), served)
    index(served)
    return served


def parent_chart(repo: Path, dependencies: str, values: str = "") -> Path:
    """A parent chart ``repo/charts/app`` (in the Git repository) declaring ``dependencies``."""
    chart = write_chart(
        repo / "charts", "app", "0.1.0", chart_yaml=f"dependencies:\n{dependencies}"
    )
    (chart / "values.yaml").write_text(f"greeting: parent\n{values}")
    return chart


def app_of(path: str = "charts/app") -> dict[str, Any]:
    """The platform app of the chart at ``path`` of the git repository."""
    return applications.application("platform", repo_url=GIT_URL, path=path, namespace="web")


def render_repo(tmp_path: Path, repo: Path) -> dict[str, Any]:
    _, apps = render_cli(tmp_path, [app_of()], "--repo", f"{GIT_URL}={repo}")
    return apps["platform"]


def names(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(obj["metadata"]["name"] for obj in objects)


@pytest.mark.helm_cli
def test_dependencies_with_an_alias_and_a_condition_render_as_helm_builds_them(
    tmp_path: Path, helm_binary: Path
) -> None:
    served = publish(tmp_path, {"1.0.0": "one", "1.2.0": "two"})
    repo = tmp_path / "repo"
    with serve(served) as charts:
        parent = parent_chart(
            repo,
            f"  - name: web\n    version: ^1.0.0\n    repository: {charts.url}\n"
            "    alias: frontend\n"
            f"  - name: web\n    version: 1.0.0\n    repository: {charts.url}\n"
            "    alias: disabled\n    condition: disabled.enabled\n",
            values="frontend:\n  greeting: aliased\ndisabled:\n  enabled: false\n",
        )
        rendered = render_repo(tmp_path, repo)
        oracle = tmp_path / "oracle" / "app"
        shutil.copytree(parent, oracle)
        built = subprocess.run(
            [str(helm_binary), "dependency", "build", "."],
            cwd=oracle, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert built.returncode == 0, built.stderr
    assert sorted(path.name for path in (oracle / "charts").iterdir()) == [
        "web-1.0.0.tgz",
        "web-1.2.0.tgz",
    ]
    # Both archives admit ^1.0.0 and Helm takes the first it loaded, in Go map order: `helm
    # template` renders `frontend` from 1.0.0 or 1.2.0 as the run falls. Pinned to the version
    # `helm dependency build` resolved for it, Helm has one choice, the one gitward makes.
    chart_yaml = oracle / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("version: ^1.0.0", "version: 1.2.0"))
    done = subprocess.run(
        [str(helm_binary), "template", "platform", ".", "--namespace", "web", "--include-crds"],
        cwd=oracle, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = manifests.parse_manifests(done.stdout, file="helm template")
    finishing.default_namespaces(found, "web", frozenset())
    expected = {ResourceKey.of(item.manifest): item.manifest for item in found}
    assert rendered["errors"] == []
    assert {ResourceKey.of(obj): obj for obj in rendered["objects"]} == expected
    assert names(rendered["objects"]) == ["platform-app", "platform-frontend"]
    assert _chart_label(rendered, "platform-frontend") == "frontend-1.2.0"
    greetings = sorted(obj["data"]["greeting"] for obj in rendered["objects"])
    assert greetings == ["aliased", "parent"]


def test_two_aliases_of_one_chart_each_render_the_version_resolved_for_it(
    tmp_path: Path,
) -> None:
    served = publish(tmp_path, {"1.0.0": "one", "1.2.0": "two"})
    repo = tmp_path / "repo"
    with serve(served) as charts:
        parent_chart(
            repo,
            f"  - name: web\n    version: 1.0.0\n    repository: {charts.url}\n"
            "    alias: legacy\n"
            f"  - name: web\n    version: ^1.0.0\n    repository: {charts.url}\n"
            "    alias: frontend\n",
        )
        # Helm loads charts/ in a new random order each time: every render must pair alike.
        renders = [render_repo(tmp_path / f"run-{run}", repo) for run in range(4)]
    for rendered in renders:
        assert rendered["errors"] == []
        assert _chart_label(rendered, "platform-frontend") == "frontend-1.2.0"
        assert _chart_label(rendered, "platform-legacy") == "legacy-1.0.0"
        assert _greeting(rendered, "platform-frontend") == "two"
        assert _greeting(rendered, "platform-legacy") == "one"


def test_chart_lock_pins_the_version_a_range_would_pass_over(tmp_path: Path) -> None:
    served = publish(tmp_path, {"1.0.0": "one", "1.2.0": "two"})
    repo = tmp_path / "repo"
    with serve(served) as charts:
        parent = parent_chart(
            repo, f"  - name: web\n    version: ^1.0.0\n    repository: {charts.url}\n"
        )
        unlocked = render_repo(tmp_path, repo)
        (parent / "Chart.lock").write_text(
            f"dependencies:\n- name: web\n  repository: {charts.url}\n  version: 1.0.0\n"
            "digest: sha256:0\ngenerated: '2026-01-01T00:00:00Z'\n"
        )
        locked = render_repo(tmp_path / "again", repo)
    assert _greeting(unlocked, "platform-web") == "two"
    assert _greeting(locked, "platform-web") == "one"


def test_chart_lock_pins_each_alias_of_one_chart_to_its_own_entry(tmp_path: Path) -> None:
    served = publish(tmp_path, {"1.0.0": "one", "1.2.0": "two"})
    repo = tmp_path / "repo"
    with serve(served) as charts:
        parent = parent_chart(
            repo,
            f"  - name: web\n    version: ^1.0.0\n    repository: {charts.url}\n"
            "    alias: frontend\n"
            f"  - name: web\n    version: ^1.0.0\n    repository: {charts.url}\n"
            "    alias: legacy\n",
        )
        (parent / "Chart.lock").write_text(
            f"dependencies:\n- name: web\n  repository: {charts.url}\n  version: 1.2.0\n"
            f"- name: web\n  repository: {charts.url}\n  version: 1.0.0\n"
            "digest: sha256:0\ngenerated: '2026-01-01T00:00:00Z'\n"
        )
        rendered = render_repo(tmp_path, repo)
    assert rendered["errors"] == []
    assert _chart_label(rendered, "platform-frontend") == "frontend-1.2.0"
    assert _chart_label(rendered, "platform-legacy") == "legacy-1.0.0"


def test_a_vendored_dependency_is_used_and_nothing_fetched(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    with serve(tmp_path / "empty-dir-is-404") as charts:
        parent = parent_chart(
            repo, f"  - name: web\n    version: 1.0.0\n    repository: {charts.url}\n"
        )
        write_chart(parent / "charts", "web", "1.0.0", greeting="vendored")
        rendered = render_repo(tmp_path, repo)
        asked = list(charts.requests)
    assert rendered["errors"] == []
    assert _greeting(rendered, "platform-web") == "vendored"
    assert asked == []


def test_a_file_dependency_inside_the_repository_is_used_and_one_outside_refused(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    write_chart(repo / "libs", "web", "1.0.0", greeting="sibling")
    parent_chart(repo, "  - name: web\n    version: 1.0.0\n    repository: file://../../libs/web\n")
    inside = render_repo(tmp_path, repo)
    assert inside["errors"] == []
    assert _greeting(inside, "platform-web") == "sibling"

    write_chart(tmp_path / "outside", "web", "1.0.0")
    parent_chart(
        repo, "  - name: web\n    version: 1.0.0\n    repository: file://../../../outside/web\n"
    )
    outside = render_repo(tmp_path / "again", repo)
    assert outside["objects"] == []
    (error,) = outside["errors"]
    assert "charts/app/Chart.yaml" in error and "dependencies[0]" in error


def test_a_dependency_from_an_oci_registry_is_fetched(tmp_path: Path, registry: str) -> None:
    base = f"{registry}/deps-{uuid.uuid4().hex[:8]}"
    archive = package(write_chart(tmp_path / "src", "web", "1.0.0", greeting="oci"), tmp_path / "p")
    helm.push(archive, f"oci://{base}", plain_http=True)
    repo = tmp_path / "repo"
    parent_chart(repo, f"  - name: web\n    version: '*'\n    repository: oci://{base}\n")
    rendered = render_repo(tmp_path, repo)
    assert rendered["errors"] == []
    assert _greeting(rendered, "platform-web") == "oci"


def test_a_repository_named_by_its_helm_repo_add_name_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    parent_chart(repo, "  - name: web\n    version: 1.0.0\n    repository: '@bitnami'\n")
    rendered = render_repo(tmp_path, repo)
    (error,) = rendered["errors"]
    assert "dependencies[0].repository" in error and "URL" in error


def _greeting(rendered: dict[str, Any], name: str) -> str:
    (found,) = [obj for obj in rendered["objects"] if obj["metadata"]["name"] == name]
    return str(found["data"]["greeting"])


def _chart_label(rendered: dict[str, Any], name: str) -> str:
    """The ``chart: <name>-<version>`` label: which subchart version rendered the object."""
    (found,) = [obj for obj in rendered["objects"] if obj["metadata"]["name"] == name]
    return str(found["metadata"]["labels"]["chart"])
