"""The kube tests share the sandbox fixtures of tests/integration; here: a live cache on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gitward.kube import Backoff, LiveCache, RemoteCluster

FAST = Backoff(initial=0.01, cap=0.2)


@pytest.fixture
async def cache(cluster: RemoteCluster) -> AsyncIterator[LiveCache]:
    async with LiveCache(cluster, backoff=FAST) as live:
        yield live
