"""The object store: every object by (group, plural) and (namespace, name), one global
resourceVersion counter, and a bounded history of change events for watches.

Stored objects are never mutated in place: a write stores a fresh copy and the event carries it,
so readers and watchers share snapshots safely. Listeners (watches, controllers) are called
synchronously on each event; they must only enqueue work. A watch that asks for a
resourceVersion older than the retained history gets :func:`status.gone`. This module must not
apply API semantics (validation, defaulting, finalizers); :mod:`verbs` does.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gitward.sandbox.objects import clone
from gitward.sandbox.status import gone

__all__ = ["Event", "GroupResource", "Listener", "Store"]

GroupResource = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Event:
    """One change: ``type`` is ADDED, MODIFIED or DELETED; ``old`` is the object before."""

    type: str
    resource: GroupResource
    rv: int
    obj: dict[str, Any]
    old: dict[str, Any] | None


Listener = Callable[[Event], None]


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


class Store:
    """In-memory objects and their change history; single-threaded (one event loop)."""

    def __init__(self, history: int = 1000) -> None:
        self._objects: dict[GroupResource, dict[tuple[str, str], dict[str, Any]]] = {}
        self._rv = 0
        self._history: deque[Event] = deque(maxlen=max(1, history))
        self._compacted_rv = 0
        self._listeners: list[Listener] = []

    @property
    def resource_version(self) -> int:
        """The newest resourceVersion handed out."""
        return self._rv

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def peek(self, resource: GroupResource, namespace: str, name: str) -> dict[str, Any] | None:
        """The stored snapshot itself (callers must not mutate it)."""
        return self._objects.get(resource, {}).get((namespace, name))

    def get(self, resource: GroupResource, namespace: str, name: str) -> dict[str, Any] | None:
        """A private copy of one object."""
        found = self.peek(resource, namespace, name)
        return clone(found) if found is not None else None

    def scan(
        self,
        resource: GroupResource,
        namespace: str | None = None,
        after: tuple[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Snapshots of one resource's objects (all namespaces when ``namespace`` is None),
        sorted by namespace and name, starting after the key ``after`` (paging); callers must
        not mutate them."""
        table = self._objects.get(resource, {})
        keys = sorted(k for k in table if namespace is None or k[0] == namespace)
        start = bisect.bisect_right(keys, after) if after is not None else 0
        for key in keys[start:]:
            found = table.get(key)
            if found is not None:
                yield found

    def resources(self) -> Iterator[GroupResource]:
        yield from list(self._objects)

    def put(self, resource: GroupResource, obj: dict[str, Any]) -> dict[str, Any]:
        """Store ``obj`` with the next resourceVersion; returns a copy of what was stored."""
        self._rv += 1
        stored = clone(obj)
        stored.setdefault("metadata", {})["resourceVersion"] = str(self._rv)
        table = self._objects.setdefault(resource, {})
        old = table.get(_key(stored))
        table[_key(stored)] = stored
        self._emit(Event("MODIFIED" if old else "ADDED", resource, self._rv, stored, old))
        return clone(stored)

    def remove(
        self,
        resource: GroupResource,
        namespace: str,
        name: str,
        final: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Delete one object; the DELETED event carries its last state (``final`` when given,
        e.g. with its finalizers gone) with a new resourceVersion."""
        old = self._objects.get(resource, {}).pop((namespace, name), None)
        if old is None:
            return None
        self._rv += 1
        final = clone(final if final is not None else old)
        final["metadata"]["resourceVersion"] = str(self._rv)
        self._emit(Event("DELETED", resource, self._rv, final, old))
        return clone(final)

    def _emit(self, event: Event) -> None:
        if len(self._history) == self._history.maxlen:
            self._compacted_rv = self._history[0].rv
        self._history.append(event)
        for listener in list(self._listeners):
            listener(event)

    def events_after(self, rv: int) -> list[Event]:
        """Retained events newer than ``rv``; raises 410 Expired when some were dropped."""
        if rv < self._compacted_rv:
            raise gone(f"too old resource version: {rv} ({self._compacted_rv + 1})")
        return [e for e in self._history if e.rv > rv]

    def dump(self) -> dict[str, Any]:
        """Everything needed to restore the store: objects and the counter."""
        objects = [obj for table in self._objects.values() for obj in table.values()]
        resources = [list(r) for r, table in self._objects.items() for _ in table]
        return {"resourceVersion": self._rv, "resources": resources, "objects": objects}

    def load(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`dump` (no events are emitted; history starts empty)."""
        self._rv = int(state.get("resourceVersion", 0))
        self._compacted_rv = self._rv
        self._objects.clear()
        for resource, obj in zip(
            state.get("resources", []), state.get("objects", []), strict=False
        ):
            group, plural = resource
            self._objects.setdefault((group, plural), {})[_key(obj)] = obj
