"""A world per test: repository, sandbox, store, controller (see controller_world)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from controller_world import SwitchableGit, World

from gitward.kube import RemoteCluster
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.store import Store
from support.cluster import in_cluster_access
from support.example import example_repository
from support.pace import QUICK_SANDBOX


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return QUICK_SANDBOX


@pytest.fixture
async def world(tmp_path: Path, sandbox_options: SandboxOptions) -> AsyncIterator[World]:
    async with Sandbox.start(sandbox_options) as sandbox:
        access = in_cluster_access(sandbox, tmp_path)
        cluster = RemoteCluster.connect(access)
        store = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}", secret_key=None)
        world = World(
            tmp=tmp_path,
            sandbox=sandbox,
            cluster=cluster,
            access=access,
            repo=example_repository(tmp_path),
            git_runner=SwitchableGit(),
            store=store,
        )
        try:
            yield world
        finally:
            await world.close()
            await store.close()
            await cluster.close()
