"""The example repository and its environment Applications, and the helm oracle."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from gitward.model.application import Application, parse_application

PROJECT = Path(__file__).resolve().parents[3]
EXAMPLE = PROJECT / "examples" / "ai-chatbot-infra"
ENV_APPS = "gitops/app-of-apps/argocd-env-apps.yaml"


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
