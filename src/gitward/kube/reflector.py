"""Keep one kind of a cluster current in the live index: list, then watch, forever.

The loop client-go calls a reflector: list every object of the kind (that is the resourceVersion
to watch from), then follow a watch stream. A stream that ends or breaks is watched again from
the last version seen, after a backoff when it broke; ``410 Gone`` (the version is too old)
means list again. A kind the cluster does not serve (its CRD is not installed) is empty and
looked for again later, or at once when :meth:`Reflector.wake` is called; so is a kind the
cluster serves without the list and watch verbs. This module must not
decide which kinds are watched; :mod:`gitward.kube.cache` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from gitward.errors import ClusterUnavailableError, ExpiredError, KubeError, UnknownKindError
from gitward.kube.cluster import Cluster
from gitward.kube.index import Change, LiveIndex
from gitward.model.backoffs import capped_exponential
from gitward.model.objects import ResourceKey

__all__ = ["Backoff", "KindState", "Phase", "Reflector"]

Phase = Literal["pending", "listing", "watching", "backoff", "absent", "failed"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between attempts: ``initial * factor**(n-1)`` capped, with +-``jitter`` ratio;
    a server's ``Retry-After`` wins when it asks for longer."""

    initial: float = 0.2
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        base = capped_exponential(self.initial, self.factor, attempt - 1, self.cap)
        spread = base * self.jitter * (2 * random.random() - 1)  # noqa: S311 - jitter, not a secret
        return max(base + spread, retry_after or 0.0)


@dataclass(slots=True)
class KindState:
    """How far one kind's copy has got: what a status page or a test reads.

    ``error`` is the failure that holds the kind back now (empty once it lists or its watch
    delivers again); ``last_error`` keeps the latest failure for the record.
    """

    group: str
    kind: str
    phase: Phase = "pending"
    synced: bool = False
    objects: int = 0
    resource_version: str = ""
    lists: int = 0
    expired: int = 0
    watches: int = 0
    events: int = 0
    failures: int = 0
    error: str = ""
    last_error: str = ""

    @property
    def warm(self) -> bool:
        """Listed at least once, or known not to exist."""
        return self.synced or self.phase == "absent"


class Reflector:
    """The list+watch loop of one kind; ``notify`` hears every change it makes to the index
    (an empty list when only :attr:`state` changed)."""

    def __init__(
        self,
        cluster: Cluster,
        group: str,
        kind: str,
        index: LiveIndex,
        notify: Callable[[list[Change]], None],
        *,
        backoff: Backoff,
        watch_timeout: int = 300,
    ) -> None:
        self._cluster = cluster
        self._index = index
        self._notify = notify
        self._backoff = backoff
        self._watch_timeout = watch_timeout
        self._version: str | None = None
        self._wake = asyncio.Event()
        self.state = KindState(group, kind)
        self.warm = asyncio.Event()

    def wake(self) -> None:
        """Cut a pause short (a CRD was just applied, or the cluster is back)."""
        self._wake.set()

    async def run(self) -> None:
        """Run until cancelled."""
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                if self._version is None and not await self._list():
                    attempt = min(attempt + 1, 16)
                    await self._pause(self._backoff.delay(attempt))
                    continue
                events = await self._watch()
                attempt = 0
                if events == 0:  # a quiet stream the server closed: no failure, no escalation
                    await self._pause(self._backoff.initial)
                continue
            except ExpiredError as err:
                watching = self.state.phase == "watching"
                self._version, self.state.expired = None, self.state.expired + 1
                if watching:  # the watch's version is too old: list again at once
                    continue
                self._record(err)
            except UnknownKindError as err:
                self._absent(err.message)
            except KubeError as err:
                self._record(err)
                retry_after = err.retry_after if isinstance(err, ClusterUnavailableError) else None
            attempt = min(attempt + 1, 16)
            await self._pause(self._backoff.delay(attempt, retry_after))

    async def _list(self) -> bool:
        """List the kind into the index; False when the cluster does not let it be watched."""
        state = self.state
        state.phase = "listing"
        served = await self._cluster.resource_type(state.group, state.kind)
        if served.verbs and not {"list", "watch"} <= served.verbs:
            self._absent(f"the cluster serves {served.group_kind} without list and watch")
            return False
        listed = await self._cluster.list(state.group, state.kind)
        changes = self._index.replace_kind(state.group, state.kind, listed.items)
        self._version = listed.resource_version
        state.lists, state.synced, state.error = state.lists + 1, True, ""
        self._settle(listed.resource_version)
        self.warm.set()
        self._notify(changes)
        return True

    async def _watch(self) -> int:
        """Follow one stream; returns how many events it carried when it ended cleanly."""
        state = self.state
        state.phase, state.watches = "watching", state.watches + 1
        seen = 0
        stream = self._cluster.watch(
            state.group,
            state.kind,
            resource_version=self._version,
            timeout_seconds=self._watch_timeout + random.randint(0, self._watch_timeout),  # noqa: S311
        )
        async with contextlib.aclosing(stream):
            async for event in stream:
                seen, state.events, state.error = seen + 1, state.events + 1, ""
                self._version = event.resource_version or self._version
                if event.type == "BOOKMARK":
                    self._settle(self._version or "")
                    self._notify([])
                    continue
                if event.type == "DELETED":
                    change = self._index.remove(ResourceKey.of(event.object))
                else:
                    change = self._index.put(event.object)
                self._settle(self._version or "")
                self._notify([change] if change is not None else [])
        return seen

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _settle(self, version: str) -> None:
        self.state.resource_version = version
        self.state.objects = self._index.count(self.state.group, self.state.kind)

    def _record(self, err: KubeError) -> None:
        state = self.state
        state.phase, state.error, state.last_error = "backoff", err.message, err.message
        state.failures += 1
        self._notify([])

    def _absent(self, reason: str) -> None:
        """Nothing of this kind can be kept (no CRD, or not listable): empty, and warm."""
        state = self.state
        changes = self._index.replace_kind(state.group, state.kind, ())
        state.phase, state.error, state.last_error, state.synced = "absent", reason, reason, False
        self._version = None
        self._settle("")
        self.warm.set()
        self._notify(changes)
