"""A sandbox API server per test, reached over real HTTP through a kubeconfig as the demo maps
it (``https://kubernetes.default.svc`` → the sandbox). A directory tunes the simulated
controllers by overriding ``sandbox_options``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gitward.kube import ClusterAccess, RemoteCluster
from gitward.sandbox import Sandbox, SandboxOptions
from support.cluster import in_cluster_access


@pytest.fixture(autouse=True)
def free_metrics_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """``gitward server`` serves metrics on port 8083 unless told otherwise: every server these
    tests start (a process, or the CLI in-process) takes a free one instead, so two servers
    started by tests at once never collide on it (one failed to start, on a loaded machine)."""
    monkeypatch.setenv("GITWARD_METRICS_PORT", "0")


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions()


@pytest.fixture
async def sandbox(sandbox_options: SandboxOptions) -> AsyncIterator[Sandbox]:
    async with Sandbox.start(sandbox_options) as running:
        yield running


@pytest.fixture
def access(sandbox: Sandbox, tmp_path: Path) -> ClusterAccess:
    return in_cluster_access(sandbox, tmp_path)


@pytest.fixture
async def cluster(access: ClusterAccess) -> AsyncIterator[RemoteCluster]:
    client = RemoteCluster.connect(access)
    yield client
    await client.close()
