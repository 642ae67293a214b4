"""Shared paths and the helm oracle for the tests of the example repository.

The example (examples/ai-chatbot-infra) is gitward's demo and fixture; these tests check it on its
own terms, without gitward's renderer, so a broken example is caught before it breaks anything else.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ai-chatbot-infra"


@pytest.fixture(scope="session")
def helm() -> Path:
    """The real helm binary: on PATH or under .tools/bin; skipped when absent unless required."""
    found = shutil.which("helm") or shutil.which(
        "helm", path=str(EXAMPLE.parents[1] / ".tools/bin")
    )
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(
                "helm is required (GITWARD_REQUIRE_TOOLS=1) but was not found: run ./dev setup"
            )
        pytest.skip("helm binary not found (run ./dev setup to fetch it)")
    return Path(found)
