"""A sandbox API server per test, reached over real HTTP, with fast simulated controllers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sync_harness import Harness

from gitward.kube import ClusterAccess, RemoteCluster
from gitward.kube.sandbox import Sandbox, SandboxOptions
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # time_scale shrinks progressDeadlineSeconds: a stuck rollout is Degraded within a second
    return SandboxOptions(pod_ready_after=0.03, job_complete_after=0.05, time_scale=0.002)


@pytest.fixture
async def sandbox(sandbox_options: SandboxOptions) -> AsyncIterator[Sandbox]:
    async with Sandbox.start(sandbox_options) as running:
        yield running


@pytest.fixture
def access(sandbox: Sandbox, tmp_path: Path) -> ClusterAccess:
    kubeconfig = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
    return ClusterAccess(
        server=IN_CLUSTER_SERVER, name=IN_CLUSTER_NAME, kubeconfig=kubeconfig, context="sandbox"
    )


@pytest.fixture
async def cluster(access: ClusterAccess) -> AsyncIterator[RemoteCluster]:
    client = RemoteCluster.connect(access)
    yield client
    await client.close()


@pytest.fixture
async def harness(sandbox: Sandbox, cluster: RemoteCluster) -> Harness:
    found = Harness(sandbox, cluster)
    await found.namespace("dev")
    return found
