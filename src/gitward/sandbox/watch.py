"""Watches: a stream of ``{"type", "object"}`` JSON lines for one resource, as the API serves.

Semantics follow the API documentation: without a resourceVersion (or with "0") a watch first
sends the current objects as ADDED; with one it replays the retained events after it, or sends
one ERROR event with a 410 ``Expired`` Status when that version is older than the retained
history. An object that stops matching the selectors is sent as DELETED, one that starts
matching as ADDED. ``allowWatchBookmarks`` adds BOOKMARK events carrying only a
resourceVersion; ``sendInitialEvents`` ends the initial ADDED burst with a bookmark annotated
``k8s.io/initial-events-end``. :meth:`WatchHub.drop_all` ends every open stream (a fault).
This module must not route requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from gitward.sandbox import selectors
from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.status import ApiError
from gitward.sandbox.store import Event, Store

__all__ = ["WatchHub", "WatchRequest"]

_DROP = object()


@dataclass(frozen=True, slots=True)
class WatchRequest:
    """What a watch asks for, from its query string."""

    rtype: ResourceType
    namespace: str | None
    label_selector: str | None = None
    field_selector: str | None = None
    resource_version: str | None = None
    bookmarks: bool = False
    send_initial_events: bool = False
    timeout: float | None = None


def _line(event_type: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


class _Watch:
    def __init__(self, request: WatchRequest) -> None:
        self.request = request
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        by_labels = selectors.label_selector(request.label_selector)
        by_fields = selectors.field_selector(request.field_selector, request.rtype.kind)
        self._by_labels, self._by_fields = by_labels, by_fields

    def in_scope(self, obj: dict[str, Any]) -> bool:
        namespace = self.request.namespace
        # A cluster-scoped object has no namespace; its watch asks for "" (not None).
        found = (obj.get("metadata") or {}).get("namespace") or ""
        in_namespace = namespace is None or found == namespace
        return in_namespace and self._by_labels(obj) and self._by_fields(obj)

    def translate(self, event: Event) -> tuple[str, dict[str, Any]] | None:
        """The event as this watch sees it through its selectors, or None."""
        if event.resource != self.request.rtype.group_resource:
            return None
        now = self.in_scope(event.obj)
        before = event.old is not None and self.in_scope(event.old)
        if event.type == "DELETED":
            return ("DELETED", event.obj) if now or before else None
        if now and (before or event.type == "ADDED"):
            return (event.type, event.obj)
        if now:
            return ("ADDED", event.obj)
        if before:
            return ("DELETED", event.obj)
        return None

    def listener(self, event: Event) -> None:
        seen = self.translate(event)
        if seen is not None:
            self.queue.put_nowait(seen)

    def served(self, obj: dict[str, Any]) -> dict[str, Any]:
        rtype = self.request.rtype
        return {**obj, "apiVersion": rtype.api_version, "kind": rtype.kind}


class WatchHub:
    """Every open watch of one sandbox."""

    def __init__(self, store: Store, bookmark_interval: float = 1.0) -> None:
        self._store = store
        self._bookmark_interval = bookmark_interval
        self._open: set[_Watch] = set()

    @property
    def open_count(self) -> int:
        return len(self._open)

    def drop_all(self) -> int:
        """End every open watch stream; returns how many there were."""
        for watch in self._open:
            watch.queue.put_nowait(_DROP)
        return len(self._open)

    def _start(self, watch: _Watch) -> list[tuple[str, dict[str, Any]]]:
        """Subscribe and return the events to send first (may raise 410 Expired)."""
        rv = watch.request.resource_version
        if rv and rv != "0":
            try:
                start = int(rv)
            except ValueError as err:
                raise ApiError(400, "BadRequest", f"invalid resourceVersion {rv!r}") from err
            backlog = [watch.translate(e) for e in self._store.events_after(start)]
            initial = [b for b in backlog if b is not None]
        else:
            scan = self._store.scan(watch.request.rtype.group_resource, watch.request.namespace)
            initial = [("ADDED", obj) for obj in scan if watch.in_scope(obj)]
        self._store.subscribe(watch.listener)
        self._open.add(watch)
        return initial

    async def stream(self, request: WatchRequest) -> AsyncIterator[bytes]:
        """The watch's JSON lines until timeout, drop, or the client going away."""
        watch = _Watch(request)
        try:
            initial = self._start(watch)
        except ApiError as err:
            yield _line("ERROR", err.body())
            return
        try:
            for event_type, obj in initial:
                yield _line(event_type, watch.served(obj))
            if request.send_initial_events and request.bookmarks:
                yield self._bookmark(request.rtype, initial_end=True)
            async for line in self._follow(watch):
                yield line
        finally:
            self._store.unsubscribe(watch.listener)
            self._open.discard(watch)

    async def _follow(self, watch: _Watch) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + watch.request.timeout if watch.request.timeout else None
        while True:
            wait = self._bookmark_interval if watch.request.bookmarks else None
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                wait = min(wait, remaining) if wait is not None else remaining
            item: Any = None
            with contextlib.suppress(TimeoutError):
                item = await asyncio.wait_for(watch.queue.get(), wait)
            if item is _DROP:
                return
            if item is None:
                if watch.request.bookmarks and watch.queue.empty():
                    yield self._bookmark(watch.request.rtype)
                continue
            event_type, obj = item
            yield _line(event_type, watch.served(obj))

    def _bookmark(self, rtype: ResourceType, initial_end: bool = False) -> bytes:
        metadata: dict[str, Any] = {"resourceVersion": str(self._store.resource_version)}
        if initial_end:
            metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _line(
            "BOOKMARK", {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": metadata}
        )
