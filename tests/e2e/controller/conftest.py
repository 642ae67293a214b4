"""A world per test: repository, sandbox, store, controller (see controller_world)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from controller_world import SwitchableGit, World, make_repository

from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.store import Store


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # time_scale shrinks progressDeadlineSeconds (600 s -> 1.2 s)
    return SandboxOptions(pod_ready_after=0.02, job_complete_after=0.05, time_scale=0.002)


@pytest.fixture
async def world(tmp_path: Path, sandbox_options: SandboxOptions) -> AsyncIterator[World]:
    async with Sandbox.start(sandbox_options) as sandbox:
        kubeconfig = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
        access = ClusterAccess(
            server=IN_CLUSTER_SERVER, name=IN_CLUSTER_NAME, kubeconfig=kubeconfig, context="sandbox"
        )
        cluster = RemoteCluster.connect(access)
        store = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}", secret_key=None)
        world = World(
            tmp=tmp_path,
            sandbox=sandbox,
            cluster=cluster,
            access=access,
            repo=make_repository(tmp_path),
            git_runner=SwitchableGit(),
            store=store,
        )
        try:
            yield world
        finally:
            await world.close()
            await store.close()
            await cluster.close()
