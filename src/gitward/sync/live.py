"""The live objects a sync step needs, gathered from a live cache or straight from a cluster.

A step needs the live copy of every desired object and every object the app tracks (the prune
candidates). The controller has them in its :class:`~gitward.kube.LiveCache`; callers without
one (the CLI, the demo, tests) can list the kinds concerned through the cluster port. Either way
the step reads again what it deletes or waits on: these copies only plan. This module must not
write to a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitward.errors import UnknownKindError
from gitward.kube.cache import LiveCache
from gitward.kube.cluster import Cluster
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking, owning_app
from gitward.model.kinds import GroupKind
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["live_from_cache", "read_live"]


def live_from_cache(cache: LiveCache, desired: Iterable[Manifest], app: str) -> list[Manifest]:
    """The cache's copies of the desired objects and of every object ``app`` tracks."""
    found: dict[ResourceKey, Manifest] = {}
    for obj in desired:
        key = ResourceKey.of(obj)
        current = cache.get(key)
        if current is not None:
            found[key] = current
    for obj in cache.by_app(app):
        found.setdefault(ResourceKey.of(obj), obj)
    return list(found.values())


async def read_live(
    cluster: Cluster,
    desired: Iterable[Manifest],
    app: str,
    *,
    kinds: Iterable[GroupKind] = (),
    tracking: Tracking = DEFAULT_TRACKING,
) -> list[Manifest]:
    """List the desired objects' kinds and ``kinds`` (where earlier syncs may have left objects
    since removed from Git); keep the desired keys and what ``app`` tracks. A kind the cluster
    does not serve is skipped."""
    wanted = list(desired)
    keys = {ResourceKey.of(obj) for obj in wanted}
    every = {(key.group, key.kind) for key in keys} | set(kinds)
    found: list[Manifest] = []
    for group, kind in sorted(every):
        try:
            listed = await cluster.list(group, kind)
        except UnknownKindError:
            continue
        found.extend(
            obj
            for obj in listed.items
            if ResourceKey.of(obj) in keys or owning_app(obj, tracking) == app
        )
    return found
