"""One live cache per destination cluster, kept while an app this process owns deploys there.

The controller learns of cluster changes through these caches: every change is handed to the
listener with the apps it concerns, so an app whose objects drift (or whose sync waits on a
rollout) is reconciled at once. Caches are keyed by the cluster's access (address and
credentials): when a cluster registered at runtime is forgotten or re-registered with other
credentials, the registry retires its access and its cache is closed at once, so nothing reads
(or is compared against) a forgotten cluster's objects; the next use of a replaced cluster
builds a new cache over its new client.

A cache lives as long as it is used. An app the controller reconciles *places* itself on its
destination's cache (:meth:`LiveCaches.of` with ``app``); when the last app placed on a cluster
is released (deleted, moved to another cluster, or owned by another replica after a rebalance:
:meth:`LiveCaches.keep_only`), the cache stops its watches and is dropped with its objects. So a
replica watches only the clusters it owns apps on; one process (SQLite) owns every app. A read
for no app of this process (the API showing an app another replica owns) *visits* the cache: it
is made (listed, then watched) if needed and kept :data:`VISIT_KEEP_S` after the last visit
(:meth:`LiveCaches.sweep`). A cache made anew is cold, and every reader waits until it is warm
(``LiveCache.wait_warm``) before it reads: a cluster not listed yet is unknown, never empty. It
must not decide anything about apps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection

from gitward.kube import Backoff, Cluster, Clusters, LiveCache, Tracking
from gitward.kube.access import ClusterAccess
from gitward.kube.cache import Listener
from gitward.kube.filtering import NO_FILTER, ResourceFilter
from gitward.kube.tracking import DEFAULT_TRACKING
from gitward.model.application import Destination

__all__ = ["VISIT_KEEP_S", "CacheUse", "LiveCaches"]

VISIT_KEEP_S = 120.0
"""How long a cache no app here is placed on is kept after its last visit (an API read)."""


class CacheUse:
    """What one cache holds and why, as ``/metrics`` shows it."""

    def __init__(self, server: str, cache: LiveCache, apps: int) -> None:
        self.server = server
        self.objects = len(cache)
        self.kinds = len(cache.kinds())
        self.apps = apps


class LiveCaches:
    """Live caches by cluster, reached through an Application's destination."""

    def __init__(
        self,
        clusters: Clusters,
        *,
        listener: Listener,
        tracking: Tracking = DEFAULT_TRACKING,
        backoff: Backoff | None = None,
        visit_keep_s: float = VISIT_KEEP_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clusters = clusters
        self._listener = listener
        self._tracking = tracking
        self._backoff = backoff
        self._filter = NO_FILTER
        self._visit_keep_s = visit_keep_s
        self._monotonic = monotonic
        self._caches: dict[ClusterAccess, LiveCache] = {}
        self._placed: dict[str, ClusterAccess] = {}  # app -> the cluster it deploys to
        self._users: dict[ClusterAccess, set[str]] = {}  # cluster -> the apps placed there
        self._visited: dict[ClusterAccess, float] = {}  # cluster -> its last visit
        self._closing: set[asyncio.Task[None]] = set()
        clusters.on_retire(self._retire)

    def of(self, destination: Destination, *, app: str | None = None) -> tuple[Cluster, LiveCache]:
        """The cluster and live cache a destination names, ``app`` placed on it (None: a
        visit); raises ``ClusterConfigError`` when no cluster is configured for it."""
        access = self._clusters.access(server=destination.server, name=destination.name)
        cluster = self._clusters.cluster(server=destination.server, name=destination.name)
        if app is None:
            self._visited[access] = self._monotonic()
        else:
            self._place(app, access)
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

    def cluster(self, destination: Destination) -> Cluster:
        """The cluster a destination names, without its cache (discovery, events, one object)."""
        return self._clusters.cluster(server=destination.server, name=destination.name)

    def release(self, app: str) -> None:
        """``app`` is no longer reconciled here (deleted, or another replica's now)."""
        access = self._placed.pop(app, None)
        if access is not None:
            self._unuse(app, access)

    def keep_only(self, apps: Collection[str]) -> None:
        """Release every app placed here that is not among ``apps`` (those owned now)."""
        for app in [placed for placed in self._placed if placed not in apps]:
            self.release(app)

    def sweep(self) -> None:
        """Close the caches no app is placed on whose last visit is older than the keep time."""
        for access in [a for a in self._caches if not self._users.get(a)]:
            self._close_if_unused(access)

    async def set_filter(self, resource_filter: ResourceFilter) -> None:
        """New ``resource.exclusions``/``inclusions`` for every cache, now and to come."""
        self._filter = resource_filter
        for cache in list(self._caches.values()):
            await cache.set_filter(resource_filter)

    def all(self) -> list[LiveCache]:
        return list(self._caches.values())

    def uses(self) -> list[CacheUse]:
        """Each cache's cluster, objects, kinds and apps placed on it."""
        return [
            CacheUse(cache.server, cache, len(self._users.get(access, ())))
            for access, cache in self._caches.items()
        ]

    def _place(self, app: str, access: ClusterAccess) -> None:
        before = self._placed.get(app)
        if before == access:
            return
        self._placed[app] = access
        self._users.setdefault(access, set()).add(app)
        if before is not None:  # the app moved to another cluster
            self._unuse(app, before)

    def _unuse(self, app: str, access: ClusterAccess) -> None:
        users = self._users.get(access)
        if users is not None:
            users.discard(app)
            if not users:
                del self._users[access]
                self._close_if_unused(access)

    def _close_if_unused(self, access: ClusterAccess) -> None:
        visited = self._visited.get(access)
        if visited is not None and self._monotonic() - visited < self._visit_keep_s:
            return
        self._visited.pop(access, None)
        cache = self._caches.pop(access, None)
        if cache is not None:  # its readers see it closed; the next use makes a cold one
            cache.refuse()
            task = asyncio.get_running_loop().create_task(cache.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _retire(self, access: ClusterAccess) -> None:
        """The registry no longer uses ``access``: stop its cache's watches for good."""
        self._visited.pop(access, None)
        cache = self._caches.pop(access, None)
        if cache is not None:
            await cache.close()

    async def close(self) -> None:
        """Stop every watch (the clients belong to the :class:`Clusters` registry)."""
        caches, self._caches = list(self._caches.values()), {}
        for cache in caches:
            await cache.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
