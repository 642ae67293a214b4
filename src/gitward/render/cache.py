"""Bounded caches that make re-rendering an unchanged app cost almost nothing.

``ManifestCache`` keeps finished renders keyed by everything that decides their output (commit
SHA, source fingerprint, app name, destination namespace, the SHAs of referenced sources). It
stores each render pickled: a hit returns a fresh copy that the caller may edit, and the pickled
size is what the byte bound counts. ``ChartCache`` keeps loaded Helm charts per (SHA, chart
directory) so that a render of a known commit skips chart loading.

Both are least-recently-used, thread-safe, and bounded by entry count (and bytes); a controller
raises the render cache's entry bound to fit every app it refreshes (``ManifestCache.hold``).
Work with no commit SHA (a directory on disk that may change) must not be cached: callers skip
the cache.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["CacheStats", "ChartCache", "ManifestCache"]

T = TypeVar("T")
C = TypeVar("C")

_MIB = 1024 * 1024


class CacheStats:
    """Hits and misses, for metrics and the benchmark."""

    __slots__ = ("hits", "misses")

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0


class ManifestCache(Generic[T]):
    """An LRU of pickled values, bounded by ``max_entries`` and ``max_bytes``."""

    def __init__(self, *, max_entries: int = 4096, max_bytes: int = 256 * _MIB) -> None:
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> T | None:
        """A fresh copy of the value stored under ``key``, or None."""
        with self._lock:
            blob = self._entries.get(key)
            if blob is None:
                self.stats.misses += 1
                return None
            self._entries.move_to_end(key)
            self.stats.hits += 1
        value: T = pickle.loads(blob)  # noqa: S301 - only bytes this cache pickled itself
        return value

    def put(self, key: Hashable, value: T) -> None:
        """Store ``value``; evicts the least recently used entries beyond the bounds."""
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(blob) > self._max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous)
            self._entries[key] = blob
            self._bytes += len(blob)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    @property
    def max_entries(self) -> int:
        return self._max_entries

    def hold(self, entries: int) -> None:
        """Make room for at least ``entries`` renders (never fewer than now; the byte bound
        still applies). A controller's cycle refreshes every app in turn: an LRU smaller than
        the apps' sources evicts each render just before it is asked for again, so that every
        no-op refresh renders afresh once the apps outnumber the bound."""
        with self._lock:
            self._max_entries = max(self._max_entries, entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class ChartCache(Generic[C]):
    """An LRU of loaded charts by key; evicted charts are freed when no render uses them."""

    def __init__(self, *, max_entries: int = 128) -> None:
        self._entries: OrderedDict[Hashable, C] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_load(self, key: Hashable, load: Callable[[], C]) -> C:
        """The chart cached under ``key``, loading (outside the lock) and storing it if absent."""
        with self._lock:
            chart = self._entries.get(key)
            if chart is not None:
                self._entries.move_to_end(key)
                self.stats.hits += 1
                return chart
            self.stats.misses += 1
        loaded = load()
        with self._lock:
            self._entries[key] = loaded
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return loaded

    def discard(self, key: Hashable) -> None:
        """Forget ``key`` (a chart that must not be reused)."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
