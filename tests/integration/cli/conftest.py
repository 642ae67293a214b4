"""The render and check commands' world: a private copy of the example repository per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.example import example_copy


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the example repository, safe to break."""
    return example_copy(tmp_path)
