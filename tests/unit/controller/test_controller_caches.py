"""The controller's live caches follow the cluster registry: a forgotten cluster's cache is
closed and never handed out again, a re-registered one gets a new cache over its new client."""

from __future__ import annotations

import pytest

from gitward.controller.caches import LiveCaches
from gitward.errors import ClusterConfigError, ClusterUnavailableError
from gitward.kube import ClusterAccess, Clusters
from gitward.model.application import Destination

STAGING = ClusterAccess(server="https://staging.example:6443", name="staging", bearer_token="a")
REPLACED = ClusterAccess(server="https://staging.example:6443", name="staging", bearer_token="b")
BY_NAME = Destination(name="staging", namespace="web")


class FakeCluster:
    def __init__(self, access: ClusterAccess) -> None:
        self.access = access
        self.name = access.label
        self.closed = False

    async def close(self) -> None:
        self.closed = True


def caches() -> tuple[Clusters, LiveCaches]:
    clusters = Clusters(connect=FakeCluster)  # type: ignore[arg-type]
    return clusters, LiveCaches(clusters, listener=lambda event: None)


async def test_a_forgotten_clusters_cache_is_closed_and_the_destination_then_fails():
    clusters, live = caches()
    await clusters.register(STAGING)
    cluster, cache = live.of(BY_NAME)

    await clusters.forget(STAGING.server)

    assert live.all() == []
    assert cluster.closed  # type: ignore[attr-defined]
    with pytest.raises(ClusterUnavailableError):
        await cache.wait_warm(within=5.0)
    with pytest.raises(ClusterConfigError) as caught:
        live.of(BY_NAME)
    assert "no cluster is configured for name staging" in caught.value.message


async def test_a_replaced_cluster_gets_a_new_cache_over_its_new_credentials():
    clusters, live = caches()
    await clusters.register(STAGING)
    old_cluster, old_cache = live.of(BY_NAME)

    await clusters.register(REPLACED)
    new_cluster, new_cache = live.of(Destination(server="https://staging.example:6443"))

    assert new_cache is not old_cache and live.all() == [new_cache]
    assert new_cluster.access is REPLACED  # type: ignore[attr-defined]
    assert new_cache.cluster is new_cluster
    assert old_cluster.closed and not new_cluster.closed  # type: ignore[attr-defined]
    with pytest.raises(ClusterUnavailableError):
        await old_cache.wait_warm(within=5.0)


async def test_the_same_registration_again_keeps_the_cache():
    clusters, live = caches()
    await clusters.register(STAGING)
    _, cache = live.of(BY_NAME)

    await clusters.register(STAGING)

    assert live.of(BY_NAME)[1] is cache
