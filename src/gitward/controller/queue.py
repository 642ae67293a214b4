"""The work queue of the reconcile loop: one reconcile per app at a time, duplicates merged.

Modelled on client-go's workqueue: a key added while it waits is merged; a key added while a
worker holds it is queued again once the worker is done, so the newest request is never lost and
never runs twice at once. Per-key exponential backoff for failures; delayed adds for periodic
refreshes. It knows nothing about applications: keys are strings.

Keys are served first come, first served, except *urgent* ones (a person's or a webhook's
refresh, an operation's next step): they have a line of their own, served first. A full cycle
queues every app at once, and a commit someone waits for must not wait behind ten thousand of
them. A waiting key made urgent joins the urgent line and leaves its old place empty (skipped
when reached), so that moving it costs nothing whatever the length of the line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gitward.model.backoffs import capped_exponential

__all__ = ["BackoffPolicy", "WorkQueue", "run_workers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """``base * factor**failures``, at most ``cap`` seconds."""

    base_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 300.0

    def delay(self, failures: int) -> float:
        return capped_exponential(self.base_s, self.factor, failures - 1, self.cap_s)


class WorkQueue:
    """Keys waiting for a worker; each key is held by at most one worker at a time."""

    def __init__(self, backoff: BackoffPolicy | None = None) -> None:
        self._backoff = backoff or BackoffPolicy()
        self._order: deque[str] = deque()
        self._urgent_order: deque[str] = deque()
        self._waiting: set[str] = set()  # in one of the lines, to be handed out
        self._dirty: set[str] = set()
        self._processing: set[str] = set()
        self._urgent: set[str] = set()
        self._failures: dict[str, int] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._wakeup = asyncio.Event()
        self._closed = False

    def __len__(self) -> int:
        """Keys waiting (not counting those held by workers or scheduled for later)."""
        return len(self._waiting)

    @property
    def depth(self) -> int:
        """Waiting plus scheduled keys, for metrics."""
        return len(self._waiting) + len(self._timers)

    def add(self, key: str, *, urgent: bool = False) -> None:
        """Queue ``key`` now; merged with a waiting copy, deferred while a worker holds it.
        An ``urgent`` key is served before every key that is not (a waiting copy moves up)."""
        if self._closed:
            return
        if urgent and key not in self._urgent:
            self._urgent.add(key)
            if key in self._waiting:
                self._urgent_order.append(key)
                return
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue(key)

    def add_after(self, key: str, delay_s: float, *, urgent: bool = False) -> None:
        """Queue ``key`` after ``delay_s`` seconds; an earlier pending schedule wins."""
        if self._closed:
            return
        if delay_s <= 0:
            self.add(key, urgent=urgent)
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + delay_s
        current = self._timers.get(key)
        if current is not None and current.when() <= due:
            return
        if current is not None:
            current.cancel()
        self._timers[key] = loop.call_at(due, self._fire, key, urgent)

    def add_failed(self, key: str) -> float:
        """Queue ``key`` again after its backoff; returns the delay chosen."""
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        delay = self._backoff.delay(failures)
        self.add_after(key, delay)
        return delay

    def forget(self, key: str) -> None:
        """Reset ``key``'s backoff after a success."""
        self._failures.pop(key, None)

    def failures(self, key: str) -> int:
        return self._failures.get(key, 0)

    async def get(self) -> str | None:
        """The next key, held until :meth:`done`; None once the queue is closed and empty."""
        while not self._waiting and not self._closed:
            self._wakeup.clear()
            await self._wakeup.wait()
        if not self._waiting:
            return None
        key = self._next()
        self._waiting.discard(key)
        self._dirty.discard(key)
        self._urgent.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: str) -> None:
        """Release ``key``; if it was added meanwhile, it waits again."""
        self._processing.discard(key)
        if key in self._dirty:
            self._queue(key)

    def close(self) -> None:
        """Stop handing out keys; scheduled adds are dropped; workers drain and stop."""
        self._closed = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._order.clear()
        self._urgent_order.clear()
        self._waiting.clear()
        self._dirty.clear()
        self._urgent.clear()
        self._notify()

    def _fire(self, key: str, urgent: bool) -> None:
        self._timers.pop(key, None)
        self.add(key, urgent=urgent)

    def _queue(self, key: str) -> None:
        """Put ``key`` at the end of its line."""
        self._waiting.add(key)
        (self._urgent_order if key in self._urgent else self._order).append(key)
        self._notify()

    def _next(self) -> str:
        """The first waiting key: of the urgent line, else of the other one (places left empty
        by keys gone urgent, or by copies already handed out, are skipped)."""
        while self._urgent_order:
            key = self._urgent_order.popleft()
            if key in self._waiting:
                return key
        while True:
            key = self._order.popleft()
            if key in self._waiting and key not in self._urgent:
                return key

    def _notify(self) -> None:
        self._wakeup.set()


async def run_workers(
    queue: WorkQueue, handle: Callable[[str], Awaitable[bool]], workers: int
) -> None:
    """Run ``workers`` tasks taking keys from ``queue`` until it closes.

    ``handle(key)`` returns True on success (backoff forgotten) and False to retry with backoff;
    an exception is treated as a failure of that key only, so one bad app never stalls others.
    Cancelled, it returns only once every worker has ended, and a worker that outlived the
    cancellation (a path that took it for another task's) takes no other key: nothing of a
    cancelled controller reconciles (steps an operation) after it returned.
    """
    stopping = asyncio.Event()

    async def work() -> None:
        while not stopping.is_set() and (key := await queue.get()) is not None:
            try:
                ok = await handle(key)
            except asyncio.CancelledError:
                queue.done(key)
                raise
            except Exception:  # a bug in one app's reconcile must not stop the others
                log.exception("reconcile of %s failed unexpectedly; retrying with backoff", key)
                ok = False
            queue.done(key)
            if ok:
                queue.forget(key)
            else:
                queue.add_failed(key)

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(work()) for _ in range(workers)]
    try:
        await asyncio.gather(*tasks)
    finally:  # gather ends at the first worker cancelled, not the last
        stopping.set()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
