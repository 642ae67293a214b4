"""Fixtures for render tests: a checkout root in tmp_path, a render call, the kustomize tool."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from render_builders import application, tool_search_path

from gitward.model.sources import Source
from gitward.render import Rendered, Renderer


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty checkout root."""
    root = tmp_path / "repo"
    root.mkdir()
    return root


@pytest.fixture
def render(repo: Path) -> Callable[..., Rendered]:
    """Render one source of a fresh app from ``repo`` with a fresh Renderer."""

    def run(source: Source, *, namespace: str = "demo", **kwargs: Any) -> Rendered:
        app = application(source, namespace=namespace, name=kwargs.pop("name", "demo"))
        renderer = kwargs.pop("renderer", None) or Renderer()
        return renderer.render(app, source, repo, sha=kwargs.pop("sha", None), **kwargs)

    return run


@pytest.fixture
def kustomize_available() -> str:
    """A search path with kustomize or kubectl; skipped when absent unless tools are required."""
    search = tool_search_path()
    if shutil.which("kustomize", path=search) or shutil.which("kubectl", path=search):
        return search
    if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
        pytest.fail("kubectl or kustomize is required (GITWARD_REQUIRE_TOOLS=1): run ./dev setup")
    pytest.skip("neither kustomize nor kubectl is installed")
