"""The example repository and its environment Applications, and the helm oracle."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gitward.charts import ChartDependencies, ChartRepositories, fetch_dependencies
from gitward.model.application import Application, parse_application
from gitward.render.request import FetchedChart

PROJECT = Path(__file__).resolve().parents[3]
EXAMPLE = PROJECT / "examples" / "ai-chatbot-infra"
ENV_APPS = "gitops/app-of-apps/argocd-env-apps.yaml"
BITNAMI = "https://charts.bitnami.com/bitnami"


@pytest.fixture(scope="session")
def example() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def env_apps() -> dict[str, Application]:
    """The example's ai-chatbot-dev, -staging and -prod Applications, by environment."""
    documents = yaml.safe_load_all((EXAMPLE / ENV_APPS).read_text())
    apps = [parse_application(doc, file=ENV_APPS).value for doc in documents if doc]
    return {app.destination.namespace: app for app in apps}


@pytest.fixture(scope="session")
def helm_binary() -> Path:
    """The real helm: on PATH or in .tools/bin; skipped when absent unless tools are required."""
    found = shutil.which("helm") or shutil.which("helm", path=str(PROJECT / ".tools" / "bin"))
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail("helm is required (GITWARD_REQUIRE_TOOLS=1) but missing: run ./dev setup")
        pytest.skip("helm binary not found (run ./dev setup to fetch it)")
    return Path(found)


@pytest.fixture(scope="session")
def example_dependencies(tmp_path_factory: pytest.TempPathFactory) -> tuple[FetchedChart, ...]:
    """The example chart's repository dependencies as the chart port fetches them, Bitnami's
    URL served from the example's ``charts-repo/`` (as ``gitward demo`` serves it)."""
    charts = ChartRepositories(
        tmp_path_factory.mktemp("charts"), local={BITNAMI: EXAMPLE / "charts-repo"}
    )
    chart = ChartDependencies(
        chart_dir=EXAMPLE / "helm" / "ai-chatbot",
        root=EXAMPLE,
        shown="helm/ai-chatbot",
        obj="Application example",
    )
    return asyncio.run(fetch_dependencies(charts, chart))


@pytest.fixture(scope="session")
def built_example(helm_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example repository whose chart holds mongodb as ``helm dependency build``
    leaves it (an archive in charts/), for the helm binary to render."""
    copy = tmp_path_factory.mktemp("built") / "ai-chatbot-infra"
    shutil.copytree(EXAMPLE, copy)
    done = subprocess.run(
        [str(helm_binary), "package", "charts-repo/mongodb", "-d", "helm/ai-chatbot/charts"],
        cwd=copy, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return copy
