"""What the controller tells the world: app status changes and operation progress, as a stream.

Subscribers (tests today, the API's server-sent events and notifications later) each get their
own bounded queue; publishing never waits, and a subscriber that falls behind loses its oldest
events (it is told how many through ``dropped``) rather than slowing the controller down.
It must not know how events are shown or sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

__all__ = ["AppEvent", "EventKind", "EventStream", "Subscription"]

EventKind = Literal["status", "operation", "deleted", "promotion"]


@dataclass(frozen=True, slots=True)
class AppEvent:
    """One change of one app.

    ``status``: a refresh stored a new status (sync, health, revisions). ``operation``: an
    operation started, stepped or finished (``operation_phase``, ``message``, ``initiated_by``).
    ``deleted``: the app is gone. ``promotion``: values were promoted into the app
    (``message`` says what, from where; ``initiated_by`` who).
    """

    app: str
    kind: EventKind
    sync_status: str = ""
    health_status: str = ""
    revisions: tuple[str, ...] = ()
    operation_phase: str = ""
    message: str = ""
    initiated_by: str = ""


class Subscription:
    """One subscriber's events, oldest first; use as an async iterator or call :meth:`next`."""

    def __init__(self, stream: EventStream, size: int) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[AppEvent] = asyncio.Queue(maxsize=max(1, size))
        self.dropped = 0

    def _put(self, event: AppEvent) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def next(self, within: float | None = None) -> AppEvent:
        """The next event; TimeoutError after ``within`` seconds."""
        async with asyncio.timeout(within):
            return await self._queue.get()

    async def wait_for(self, condition: Callable[[AppEvent], bool], within: float) -> AppEvent:
        """The first event (from now) for which ``condition`` holds; TimeoutError after
        ``within`` seconds."""
        async with asyncio.timeout(within):
            while True:
                event = await self._queue.get()
                if condition(event):
                    return event

    def close(self) -> None:
        self._stream._unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[AppEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[AppEvent]:
        while True:
            yield await self._queue.get()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventStream:
    """Publish-subscribe of :class:`AppEvent` within one event loop."""

    def __init__(self) -> None:
        self._subscribers: list[Subscription] = []
        self.published = 0

    def subscribe(self, size: int = 10_000) -> Subscription:
        """A new subscription; events published from now on reach it."""
        subscription = Subscription(self, size)
        self._subscribers.append(subscription)
        return subscription

    def publish(self, event: AppEvent) -> None:
        self.published += 1
        for subscription in list(self._subscribers):
            subscription._put(event)

    def _unsubscribe(self, subscription: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(subscription)
