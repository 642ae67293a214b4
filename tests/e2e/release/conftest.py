"""The strategy document's release process against a real gitward server: the example
repository as a real git repository (accepting pushes to main, as a Git host does), a sandbox
cluster over HTTP, the server bootstrapped from the root app and reconciling, and the
``gitward`` CLI pointed at it through its own config file.

The server runs on its own event loop in a thread (``support.serving``), so the CLI (Typer's
runner in this thread, or ``python -m gitward`` processes) talks to it over HTTP exactly as a
terminal would.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import support.repos
from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.kube import ClusterAccess
from gitward.server.running import ServerConfig
from support.cluster import apply_file
from support.example import NAMESPACES, REPO_URL, ROOT_APP, example_repository
from support.pace import QUICK_CONTROLLER
from support.processes import run_gitward
from support.repos import identity
from support.serving import ServerThread
from support.terminal import CliWorld
from support.waiting import wait_for

START_TIMEOUT_S = 120.0
IDENTITY = identity("ci")


def git(repo: Path, *args: str) -> str:
    """git as the CI job's identity (clones made by the test have no committer of their own)."""
    return support.repos.git(repo, *args, env={**os.environ, **IDENTITY})


def make_repository(where: Path) -> Path:
    """The example in a fresh repository on main that takes pushes to its checked-out branch."""
    repo = example_repository(where)
    git(repo, "config", "receive.denyCurrentBranch", "updateInstead")
    return repo


def release_server(tmp: Path, repo: Path) -> ServerThread:
    """The example's server, bootstrapped from the root app, as the document sets it up."""

    async def configure(access: ClusterAccess) -> ServerConfig:
        await apply_file(access, repo / NAMESPACES)
        return ServerConfig(
            data_dir=tmp / "server",
            clusters=(access,),
            local_repos={REPO_URL: repo},
            helm_repos={EXAMPLE_CHARTS_URL: repo / EXAMPLE_CHARTS_DIR},
            controller=QUICK_CONTROLLER,
            bootstrap=repo / ROOT_APP,
            metrics_port=0,
        )

    return ServerThread(tmp, configure, start_timeout_s=START_TIMEOUT_S)


class World(CliWorld):
    """The server, its repository, the CLI with its own config file, and CI jobs."""

    def ci(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """``python -m gitward ARGS`` as a CI job runs it, in ``cwd``."""
        return run_gitward(args, IDENTITY, cwd=cwd)

    def wait_for(self, what: str, ready: Callable[[], Any], timeout: float = 120.0) -> Any:
        """``ready()``'s first truthy answer, asked again (bounded) until then."""
        return wait_for(ready, timeout, what, every=0.2)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    repo = make_repository(tmp_path)
    with release_server(tmp_path, repo) as server:
        yield World(tmp_path, server, repo, tmp_path / "cli" / "config.yaml")
