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


PRODUCTION = ClusterAccess(server="https://production.example:6443", name="production")
ELSEWHERE = Destination(name="production", namespace="web")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def placed_caches() -> tuple[LiveCaches, Clock]:
    clusters = Clusters(connect=FakeCluster)  # type: ignore[arg-type]
    await clusters.register(STAGING)
    await clusters.register(PRODUCTION)
    clock = Clock()
    return LiveCaches(clusters, listener=lambda e: None, visit_keep_s=60, monotonic=clock), clock


def servers(live: LiveCaches) -> dict[str, int]:
    return {use.server: use.apps for use in live.uses()}


async def test_a_cluster_is_watched_while_an_app_placed_on_it_is_reconciled_here():
    live, _ = await placed_caches()
    _, cache = live.of(BY_NAME, app="web")
    live.of(BY_NAME, app="api")

    live.release("web")
    assert servers(live) == {STAGING.server: 1}

    live.keep_only({"other"})  # a rebalance gave "api" to another replica

    assert servers(live) == {}
    with pytest.raises(ClusterUnavailableError):  # a reader holding it never reads it as empty
        await cache.wait_warm(within=5.0)
    assert live.of(BY_NAME, app="api")[1] is not cache  # taken up again: a new, cold cache


async def test_an_app_moved_to_another_cluster_stops_the_watch_of_the_one_it_left():
    live, _ = await placed_caches()
    live.of(BY_NAME, app="web")

    live.of(ELSEWHERE, app="web")

    assert servers(live) == {PRODUCTION.server: 1}


async def test_a_cluster_only_visited_by_the_api_is_kept_a_while_then_dropped():
    live, clock = await placed_caches()
    _, visited = live.of(BY_NAME)
    clock.now = 59.0
    live.sweep()
    assert servers(live) == {STAGING.server: 0}
    assert live.of(BY_NAME)[1] is visited

    clock.now = 59.0 + 60.0
    live.sweep()

    assert servers(live) == {}
