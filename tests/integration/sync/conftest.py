"""A sandbox API server per test, reached over real HTTP, with fast simulated controllers."""

from __future__ import annotations

import pytest
from sync_harness import Harness

from gitward.kube import RemoteCluster
from gitward.sandbox import Sandbox, SandboxOptions


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # time_scale shrinks progressDeadlineSeconds: a stuck rollout is Degraded within a second
    return SandboxOptions(pod_ready_after=0.03, job_complete_after=0.05, time_scale=0.002)


@pytest.fixture
async def harness(sandbox: Sandbox, cluster: RemoteCluster) -> Harness:
    found = Harness(sandbox, cluster)
    await found.namespace("dev")
    return found
