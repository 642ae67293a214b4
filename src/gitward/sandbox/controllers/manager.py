"""The controller loop: one work queue on the server's event loop, fed by store events and
timers, draining into small reconcilers.

A reconciler names the keys an event concerns (a pod event concerns its ReplicaSet), and
reconciles one key at a time against the current store, returning when it wants to look again
(a pod becoming Ready after a delay, a progress deadline). Keys are de-duplicated while queued,
and a reconciler's failure is logged, never fatal. This module must not know any kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable, Iterable

from gitward.sandbox.status import ApiError
from gitward.sandbox.store import Event, Store

__all__ = ["ControllerManager", "Reconciler"]

log = logging.getLogger(__name__)


class Reconciler:
    """Base of every simulated controller."""

    name = "reconciler"

    def initial_keys(self) -> Iterable[Hashable]:
        """Keys to reconcile once at start (objects loaded from a state file)."""
        return ()

    def keys_for(self, event: Event) -> Iterable[Hashable]:
        """Keys that ``event`` concerns."""
        return ()

    def reconcile(self, key: Hashable) -> float | None:
        """Bring ``key`` one step closer to its desired state; seconds until it wants another
        look, or None."""
        return None


class ControllerManager:
    """Runs reconcilers on the current event loop until :meth:`stop`."""

    def __init__(self, store: Store, reconcilers: list[Reconciler]) -> None:
        self._store = store
        self._reconcilers = reconcilers
        self._queue: asyncio.Queue[tuple[int, Hashable]] = asyncio.Queue()
        self._queued: set[tuple[int, Hashable]] = set()
        self._timers: dict[tuple[int, Hashable], asyncio.TimerHandle] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._store.subscribe(self._on_event)
        for index, reconciler in enumerate(self._reconcilers):
            for key in reconciler.initial_keys():
                self._enqueue(index, key)
        self._task = self._loop.create_task(self._work())

    async def stop(self) -> None:
        self._store.unsubscribe(self._on_event)
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def requeue(self, reconciler_name: str, keys: Iterable[Hashable]) -> None:
        """Look at ``keys`` of the named reconciler again soon (call on the server's loop)."""
        for index, reconciler in enumerate(self._reconcilers):
            if reconciler.name == reconciler_name:
                for key in keys:
                    self._enqueue(index, key)

    def _on_event(self, event: Event) -> None:
        for index, reconciler in enumerate(self._reconcilers):
            for key in reconciler.keys_for(event):
                self._enqueue(index, key)

    def _enqueue(self, index: int, key: Hashable) -> None:
        item = (index, key)
        if item not in self._queued:
            self._queued.add(item)
            self._queue.put_nowait(item)

    def _later(self, index: int, key: Hashable, delay: float) -> None:
        assert self._loop is not None
        item = (index, key)
        previous = self._timers.get(item)
        if previous is not None and previous.when() <= self._loop.time() + delay:
            return
        if previous is not None:
            previous.cancel()
        self._timers[item] = self._loop.call_later(delay, self._fire, index, key)

    def _fire(self, index: int, key: Hashable) -> None:
        self._timers.pop((index, key), None)
        self._enqueue(index, key)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            self._queued.discard(item)
            index, key = item
            reconciler = self._reconcilers[index]
            try:
                again = reconciler.reconcile(key)
            except ApiError as err:  # the cluster said no (a terminating namespace): retry
                log.debug("sandbox controller %s: %s", reconciler.name, err.message)
                again = 0.5
            except Exception:
                log.exception("sandbox controller %s failed on %r", reconciler.name, key)
                again = 1.0
            if again is not None:
                self._later(index, key, max(0.0, again))
            await asyncio.sleep(0)
