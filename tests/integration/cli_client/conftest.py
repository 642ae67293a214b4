"""A fresh world per test: a gitward server with a sandbox cluster and a git repository, and a
CLI config file of its own (see cli_client_world)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_client_world import World, guestbook_server, make_repository


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    repo = make_repository(tmp_path)
    with guestbook_server(tmp_path, repo) as server:
        yield World(tmp_path, server, repo, tmp_path / "cli" / "config.yaml")
