"""One live cache per destination cluster, made on first use and shared by every app on it.

The controller learns of cluster changes through these caches: every change is handed to the
listener with the apps it concerns, so an app whose objects drift (or whose sync waits on a
rollout) is reconciled at once. Caches are keyed by the cluster's access (address and
credentials): when a cluster registered at runtime is forgotten or re-registered with other
credentials, the registry retires its access and its cache is closed at once, so nothing reads
(or is compared against) a forgotten cluster's objects; the next use of a replaced cluster
builds a new cache over its new client. It must not decide anything about apps.
"""

from __future__ import annotations

from gitward.kube import Backoff, Cluster, Clusters, LiveCache, Tracking
from gitward.kube.access import ClusterAccess
from gitward.kube.cache import Listener
from gitward.kube.filtering import NO_FILTER, ResourceFilter
from gitward.kube.tracking import DEFAULT_TRACKING
from gitward.model.application import Destination

__all__ = ["LiveCaches"]


class LiveCaches:
    """Live caches by cluster, reached through an Application's destination."""

    def __init__(
        self,
        clusters: Clusters,
        *,
        listener: Listener,
        tracking: Tracking = DEFAULT_TRACKING,
        backoff: Backoff | None = None,
    ) -> None:
        self._clusters = clusters
        self._listener = listener
        self._tracking = tracking
        self._backoff = backoff
        self._filter = NO_FILTER
        self._caches: dict[ClusterAccess, LiveCache] = {}
        clusters.on_retire(self._retire)

    def of(self, destination: Destination) -> tuple[Cluster, LiveCache]:
        """The cluster and live cache a destination names; raises ``ClusterConfigError`` when
        no cluster is configured for it."""
        access = self._clusters.access(server=destination.server, name=destination.name)
        cluster = self._clusters.cluster(server=destination.server, name=destination.name)
        cache = self._caches.get(access)
        if cache is None:
            cache = LiveCache(
                cluster,
                tracking=self._tracking,
                backoff=self._backoff,
                resource_filter=self._filter,
                server=access.server,
            )
            cache.subscribe(self._listener)
            self._caches[access] = cache
        return cluster, cache

    async def set_filter(self, resource_filter: ResourceFilter) -> None:
        """New ``resource.exclusions``/``inclusions`` for every cache, now and to come."""
        self._filter = resource_filter
        for cache in list(self._caches.values()):
            await cache.set_filter(resource_filter)

    def all(self) -> list[LiveCache]:
        return list(self._caches.values())

    async def _retire(self, access: ClusterAccess) -> None:
        """The registry no longer uses ``access``: stop its cache's watches for good."""
        cache = self._caches.pop(access, None)
        if cache is not None:
            await cache.close()

    async def close(self) -> None:
        """Stop every watch (the clients belong to the :class:`Clusters` registry)."""
        caches, self._caches = list(self._caches.values()), {}
        for cache in caches:
            await cache.close()
