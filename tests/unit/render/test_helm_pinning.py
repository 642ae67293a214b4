"""A chart fetched at several versions: each dependency of it names the exact version fetched for
it in the copy Helm loads, so Helm's name-and-range match has one candidate; nothing else of the
file changes, and a chart with one version of each dependency is left as it is."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitward.model.charts import FetchedChart
from gitward.render import helm_pinning

CHART_YAML = """\
apiVersion: v2
name: app
version: 1.10
appVersion: 2.0
dependencies:
  - name: web
    version: ^1.0.0
    repository: https://charts.example.com
    alias: frontend
  - name: web
    version: 1.0.0
    repository: https://charts.example.com
    alias: legacy
    condition: legacy.enabled
  - name: db
    version: ~3.1.0
    repository: https://charts.example.com
"""


def fetched(file_name: str, chart: str, version: str, *declared_at: int) -> FetchedChart:
    return FetchedChart(file_name, Path("/cache") / file_name, chart, version, declared_at)


def chart_dir(tmp_path: Path, text: str = CHART_YAML, name: str = "Chart.yaml") -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def test_each_dependency_on_a_chart_fetched_twice_names_its_own_version(tmp_path: Path) -> None:
    chart = chart_dir(tmp_path)
    helm_pinning.pin_shared_versions(
        chart,
        [
            fetched("db-3.1.4.tgz", "db", "3.1.4", 2),
            fetched("web-1.0.0.tgz", "web", "1.0.0", 1),
            fetched("web-1.2.0.tgz", "web", "1.2.0", 0),
        ],
    )
    pinned = yaml.safe_load((chart / "Chart.yaml").read_text())
    original = yaml.safe_load(CHART_YAML)
    assert [dep["version"] for dep in pinned["dependencies"]] == ["1.2.0", "1.0.0", "~3.1.0"]
    for dep in (*pinned["dependencies"], *original["dependencies"]):
        dep.pop("version")
    assert pinned == original  # nothing else changed, numbers included
    assert "version: 1.10\n" in (chart / "Chart.yaml").read_text()


def test_a_chart_with_one_version_of_each_dependency_is_left_as_it_is(tmp_path: Path) -> None:
    chart = chart_dir(tmp_path)
    helm_pinning.pin_shared_versions(
        chart,
        [
            fetched("db-3.1.4.tgz", "db", "3.1.4", 2),
            fetched("web-1.2.0.tgz", "web", "1.2.0", 0, 1),
        ],
    )
    assert (chart / "Chart.yaml").read_text() == CHART_YAML


def test_requirements_yaml_of_an_api_v1_chart_is_pinned_like_chart_yaml(tmp_path: Path) -> None:
    (tmp_path / "Chart.yaml").write_text("apiVersion: v1\nname: app\nversion: 0.1.0\n")
    requirements = "dependencies:\n" + CHART_YAML.split("dependencies:\n", 1)[1]
    chart = chart_dir(tmp_path, requirements, "requirements.yaml")
    helm_pinning.pin_shared_versions(
        chart,
        [fetched("web-1.0.0.tgz", "web", "1.0.0", 1), fetched("web-1.2.0.tgz", "web", "1.2.0", 0)],
    )
    pinned = yaml.safe_load((chart / "requirements.yaml").read_text())
    assert [dep["version"] for dep in pinned["dependencies"]] == ["1.2.0", "1.0.0", "~3.1.0"]
    assert (chart / "Chart.yaml").read_text() == "apiVersion: v1\nname: app\nversion: 0.1.0\n"


def test_a_dependency_without_a_version_stays_without_one(tmp_path: Path) -> None:
    text = (
        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
        "  - name: web\n    repository: https://charts.example.com\n    alias: bare\n"
        "  - name: web\n    version: 1.0.0\n    repository: https://charts.example.com\n"
    )
    chart = chart_dir(tmp_path, text)
    helm_pinning.pin_shared_versions(
        chart,
        [fetched("web-1.0.0.tgz", "web", "1.0.0", 1), fetched("web-1.2.0.tgz", "web", "1.2.0", 0)],
    )
    pinned = yaml.safe_load((chart / "Chart.yaml").read_text())
    assert [dep.get("version") for dep in pinned["dependencies"]] == [None, "1.0.0"]
