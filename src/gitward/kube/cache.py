"""The live cache: a watch-fed copy of one cluster's objects, read without a request.

Engines ask "what is live" many times a second (diff, health, the resource tree, pruning); the
API server is asked once per kind (a list) and then only told what changes (a watch). Kinds are
registered on demand (:meth:`LiveCache.watch_kinds`: the kinds of an app's desired objects),
and registering a workload kind brings its children's kinds along, so the tree Deployment ->
ReplicaSet -> Pod can be walked. A kind the resource filter excludes (``resource.exclusions``)
is never listed nor watched, and one excluded later is dropped (:meth:`LiveCache.set_filter`).
Each kind is kept by a :class:`~gitward.kube.reflector.Reflector`
(relist after 410, reconnect with backoff).

Memory is bounded by what is stored, not by what the API sends: see
:func:`gitward.kube.index.slim` (no managedFields, last-applied copies or ConfigMap/Secret data
for objects no app tracks; tracked objects keep managedFields, the record of what gitward
applied, and a last-applied copy only until gitward first applies them). Objects handed out are
shared, never copied: callers must treat them as read-only. This module must not write to the
cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType

from gitward.errors import ClusterUnavailableError, Location
from gitward.kube.cluster import Cluster
from gitward.kube.filtering import NO_FILTER, ResourceFilter
from gitward.kube.index import Change, ChangeType, LiveIndex
from gitward.kube.reflector import Backoff, KindState, Reflector
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking, owning_app
from gitward.model.kinds import GroupKind
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["CHILD_KINDS", "CacheEvent", "Listener", "LiveCache"]

CHILD_KINDS: Mapping[GroupKind, tuple[GroupKind, ...]] = {
    ("apps", "Deployment"): (("apps", "ReplicaSet"),),
    ("apps", "ReplicaSet"): (("", "Pod"),),
    ("apps", "StatefulSet"): (("", "Pod"),),
    ("apps", "DaemonSet"): (("", "Pod"),),
    ("batch", "CronJob"): (("batch", "Job"),),
    ("batch", "Job"): (("", "Pod"),),
}
"""Kinds whose objects a controller creates for an object of the key kind."""

_OWNER_DEPTH = 8


@dataclass(frozen=True, slots=True)
class CacheEvent:
    """A change the cache saw: ``object`` is the new copy (the last one for DELETED); ``apps``
    are the apps it concerns, through its own tracking id or its owners'."""

    type: ChangeType
    key: ResourceKey
    object: Manifest
    apps: frozenset[str]


Listener = Callable[[CacheEvent], None]


class LiveCache:
    """The live objects of one cluster, for the kinds registered so far."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        tracking: Tracking = DEFAULT_TRACKING,
        backoff: Backoff | None = None,
        watch_timeout: int = 300,
        resource_filter: ResourceFilter = NO_FILTER,
        server: str = "",
    ) -> None:
        self.cluster = cluster
        self.filter = resource_filter
        self.server = server or cluster.name
        """The cluster's address, as ``resource.exclusions`` name clusters."""
        self._index = LiveIndex(tracking)
        self._backoff = backoff or Backoff()
        self._watch_timeout = watch_timeout
        self._reflectors: dict[GroupKind, Reflector] = {}
        self._tasks: dict[GroupKind, asyncio.Task[None]] = {}
        self._listeners: list[Listener] = []
        self._waiters: set[asyncio.Event] = set()
        self._closed = False

    async def __aenter__(self) -> LiveCache:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- what is watched ------------------------------------------------------------------

    def watch_kinds(self, *kinds: GroupKind) -> None:
        """Keep these kinds (and their children's kinds) from now on; needs a running loop.

        A kind registered before whose CRD was missing is looked for again at once. A closed
        cache starts no watch, and an excluded kind is never watched.
        """
        if self._closed:
            return
        for group_kind in _with_children(kinds):
            if self.excludes(group_kind):
                continue
            reflector = self._reflectors.get(group_kind)
            if reflector is not None:
                if reflector.state.phase in ("absent", "backoff"):
                    reflector.wake()
                continue
            self._start(group_kind)

    def watch_kinds_of(self, objects: Iterable[Manifest | ResourceKey]) -> None:
        """Keep the kinds that these desired objects (or keys) are of."""
        keys = (o if isinstance(o, ResourceKey) else ResourceKey.of(o) for o in objects)
        self.watch_kinds(*{(key.group, key.kind) for key in keys})

    def excludes(self, group_kind: GroupKind) -> bool:
        """Whether the resource filter leaves this kind out on this cluster."""
        return self.filter.excludes(*group_kind, self.server)

    async def set_filter(self, resource_filter: ResourceFilter) -> None:
        """Use new exclusions: kinds they exclude stop being watched and their objects go."""
        self.filter = resource_filter
        for group_kind in [kind for kind in self._reflectors if self.excludes(kind)]:
            self._reflectors.pop(group_kind)
            task = self._tasks.pop(group_kind, None)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._index.replace_kind(*group_kind, ())
        for waiter in self._waiters:
            waiter.set()

    def kinds(self) -> list[GroupKind]:
        return sorted(self._reflectors)

    def state(self) -> list[KindState]:
        """A snapshot of every kind's sync state."""
        return [dataclasses.replace(r.state) for _, r in sorted(self._reflectors.items())]

    @property
    def is_warm(self) -> bool:
        """Every registered kind has been listed (or is known not to exist)."""
        return all(r.state.warm for r in self._reflectors.values())

    async def wait_warm(self, within: float | None = 30.0) -> None:
        """Return once every kind registered so far is warm.

        Raises :class:`ClusterUnavailableError` after ``within`` seconds, naming the kinds
        still cold and why, and at once when the cache is closed (its cluster was forgotten or
        its credentials replaced: a new cache serves it).
        """
        if self._closed:
            raise ClusterUnavailableError(
                "the live cache was closed (the cluster was removed or its credentials replaced)",
                where=Location(obj=f"cluster {self.cluster.name}"),
                hint="The next refresh reads the cluster's current registration",
            )
        pending = [r.warm.wait() for r in self._reflectors.values() if not r.warm.is_set()]
        try:
            async with asyncio.timeout(within):
                await asyncio.gather(*pending)
        except TimeoutError as err:
            cold = [s for s in self.state() if not s.warm]
            detail = "; ".join(f"{_name(s)}: {s.error or s.phase}" for s in cold)
            raise ClusterUnavailableError(
                f"the live cache is not warm after {within}s ({detail})",
                where=Location(obj=f"cluster {self.cluster.name}"),
                hint="Check that the cluster is reachable and gitward may list these kinds",
            ) from err

    # -- reading ----------------------------------------------------------------------------

    def get(self, key: ResourceKey) -> Manifest | None:
        return self._index.get(key)

    def by_uid(self, uid: str) -> Manifest | None:
        return self._index.by_uid(uid)

    def by_app(self, app: str) -> list[Manifest]:
        """The objects whose tracking id names ``app`` (copies excluded), by key."""
        return self._index.by_app(app)

    def children(self, uid: str) -> list[Manifest]:
        """The objects with an ownerReference to ``uid``, by key."""
        return self._index.children(uid)

    def of_kind(self, group: str, kind: str) -> list[Manifest]:
        return self._index.of_kind(group, kind)

    def __len__(self) -> int:
        return len(self._index)

    def apps_of(self, obj: Manifest) -> frozenset[str]:
        """The apps ``obj`` concerns: its own owner app, else its nearest tracked owner's."""
        seen: set[str] = set()
        current: Manifest | None = obj
        for _ in range(_OWNER_DEPTH):
            if current is None:
                break
            app = owning_app(current, self._index.tracking)
            if app is not None:
                return frozenset({app})
            current = self._first_owner(current, seen)
        return frozenset()

    # -- hearing of changes -----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every change; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def wait_until(self, condition: Callable[[], bool], within: float) -> None:
        """Return when ``condition()`` holds, checking after each change of an object or of a
        kind's sync state; TimeoutError after ``within`` seconds."""
        async with asyncio.timeout(within):
            while not condition():
                changed = asyncio.Event()
                self._waiters.add(changed)
                try:
                    await changed.wait()
                finally:
                    self._waiters.discard(changed)

    def refuse(self) -> None:
        """From now on start no watch and let no reader wait (:meth:`close` stops the rest)."""
        self._closed = True

    async def close(self) -> None:
        """Stop every watch for good (the cluster client stays open: it is not the cache's)."""
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    # -- inside -------------------------------------------------------------------------------

    def _start(self, group_kind: GroupKind) -> None:
        reflector = Reflector(
            self.cluster,
            *group_kind,
            self._index,
            self._changed,
            backoff=self._backoff,
            watch_timeout=self._watch_timeout,
        )
        self._reflectors[group_kind] = reflector
        task = asyncio.get_running_loop().create_task(
            reflector.run(), name=f"gitward-cache {self.cluster.name} {_name(reflector.state)}"
        )
        task.add_done_callback(lambda done: _record_crash(reflector.state, done))
        self._tasks[group_kind] = task

    def _changed(self, changes: list[Change]) -> None:
        if self._listeners:
            for change in changes:
                self._tell(change)
        for waiter in self._waiters:
            waiter.set()

    def _tell(self, change: Change) -> None:
        obj = change.new if change.new is not None else change.old
        assert obj is not None
        apps = self.apps_of(obj)
        if change.old is not None and change.new is not None:
            apps |= self.apps_of(change.old)
        event = CacheEvent(change.type, change.key, obj, apps)
        for listener in list(self._listeners):
            listener(event)

    def _first_owner(self, obj: Manifest, seen: set[str]) -> Manifest | None:
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
            uid = str(ref.get("uid") or "") if isinstance(ref, dict) else ""
            if uid and uid not in seen:
                seen.add(uid)
                return self._index.by_uid(uid)
        return None


def _with_children(kinds: Iterable[GroupKind]) -> list[GroupKind]:
    found: dict[GroupKind, None] = {}
    todo = list(kinds)
    while todo:
        group_kind = todo.pop()
        if group_kind not in found:
            found[group_kind] = None
            todo.extend(CHILD_KINDS.get(group_kind, ()))
    return list(found)


def _name(state: KindState) -> str:
    return f"{state.group}/{state.kind}" if state.group else state.kind


def _record_crash(state: KindState, task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    err = task.exception()
    if err is not None:
        state.phase, state.error = "failed", f"{type(err).__name__}: {err}"
