"""The helm and kubectl oracles for the tests of gitward's own deployment (deploy_support
holds the paths and renderers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_support import tool


@pytest.fixture(scope="session")
def helm() -> Path:
    return tool("helm")


@pytest.fixture(scope="session")
def kubectl() -> Path:
    return tool("kubectl")
