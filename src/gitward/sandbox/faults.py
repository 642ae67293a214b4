"""Fault injection: the ways a real cluster misbehaves, switched on and off while it runs.

Images marked missing leave pods in ImagePullBackOff, images marked crashing leave them in
CrashLoopBackOff (and fail Job pods); latency is added to every API request
(fixed, or log-normal from a median and a 99th percentile, for benchmarks); a ratio of requests
fails with 500, 503 or 429 (the last two with ``Retry-After``); open watch streams can be
dropped; the listening socket can refuse connections and come back. Settings may be changed
from any thread. This module must not serve requests; the app and the runtime read it.
"""

from __future__ import annotations

import fnmatch
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ErrorRate", "Faults", "Latency"]

_Z99 = 2.3263478740408408  # the standard normal's 99th percentile


@dataclass(frozen=True, slots=True)
class Latency:
    """``fixed`` seconds on every request, or a log-normal draw with median ``p50`` and 99th
    percentile ``p99`` (both seconds; ``p99`` defaults to three times ``p50``)."""

    fixed: float = 0.0
    p50: float = 0.0
    p99: float = 0.0

    def sample(self, rng: random.Random) -> float:
        if self.p50 <= 0:
            return max(0.0, self.fixed)
        p99 = self.p99 if self.p99 > self.p50 else 3 * self.p50
        sigma = math.log(p99 / self.p50) / _Z99
        return self.fixed + rng.lognormvariate(math.log(self.p50), sigma)


@dataclass(frozen=True, slots=True)
class ErrorRate:
    """Fail ``ratio`` (0..1) of API requests with ``status``; ``verbs`` limits which (empty:
    all verbs, with ``apply`` standing for server-side apply)."""

    ratio: float
    status: int = 503
    retry_after: int = 1
    verbs: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.status not in (429, 500, 503):
            raise ValueError(f"error status must be 429, 500 or 503, not {self.status}")
        if not 0.0 <= self.ratio <= 1.0:
            raise ValueError(f"error ratio must be between 0 and 1, not {self.ratio}")


class Faults:
    """The live fault settings of one sandbox."""

    def __init__(self, seed: int = 0, missing_images: frozenset[str] = frozenset()) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)  # noqa: S311 - simulation, not security
        self._latency: Latency | None = None
        self._error: ErrorRate | None = None
        self._missing = set(missing_images)
        self._crashing: set[str] = set()
        self._on_images: list[Callable[[], None]] = []
        self._drop: Callable[[], None] | None = None
        self._listen: Callable[[bool], None] | None = None

    # -- settings -------------------------------------------------------------------------

    def set_latency(self, latency: Latency | None) -> None:
        with self._lock:
            self._latency = latency

    def set_error_rate(self, rate: ErrorRate | None) -> None:
        with self._lock:
            self._error = rate

    def mark_image_missing(self, image: str) -> None:
        """Pods using ``image`` (an exact name or a glob) fail to pull it from now on."""
        with self._lock:
            self._missing.add(image)
        self._images_changed()

    def mark_image_crashing(self, image: str) -> None:
        """Containers running ``image`` (an exact name or a glob) exit with an error: pods go
        to CrashLoopBackOff, Job pods fail."""
        with self._lock:
            self._crashing.add(image)
        self._images_changed()

    def restore_image(self, image: str) -> None:
        """Undo :meth:`mark_image_missing` and :meth:`mark_image_crashing`; waiting pods pull
        it and start, crashing ones recover."""
        with self._lock:
            self._missing.discard(image)
            self._crashing.discard(image)
        self._images_changed()

    def clear(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self._latency, self._error = None, None
            self._missing.clear()
            self._crashing.clear()
        self._images_changed()

    # -- actions on the running server ---------------------------------------------------

    def drop_watches(self) -> None:
        """Close every open watch stream now."""
        if self._drop is not None:
            self._drop()

    def refuse_connections(self) -> None:
        """Stop listening: new connections are refused until :meth:`accept_connections`."""
        if self._listen is not None:
            self._listen(False)

    def accept_connections(self) -> None:
        if self._listen is not None:
            self._listen(True)

    def bind(self, drop: Callable[[], None], listen: Callable[[bool], None]) -> None:
        """Called by the runtime: how to act on the running server (thread-safe callables)."""
        self._drop, self._listen = drop, listen

    def on_images_changed(self, callback: Callable[[], None]) -> None:
        self._on_images.append(callback)

    def _images_changed(self) -> None:
        for callback in list(self._on_images):
            callback()

    # -- what the server asks --------------------------------------------------------------

    def is_missing(self, image: str) -> bool:
        with self._lock:
            return any(fnmatch.fnmatchcase(image, pattern) for pattern in self._missing)

    def is_crashing(self, image: str) -> bool:
        with self._lock:
            return any(fnmatch.fnmatchcase(image, pattern) for pattern in self._crashing)

    def crashing_images(self) -> list[str]:
        with self._lock:
            return sorted(self._crashing)

    def missing_images(self) -> list[str]:
        with self._lock:
            return sorted(self._missing)

    def latency(self) -> Latency | None:
        with self._lock:
            return self._latency

    def error_rate(self) -> ErrorRate | None:
        with self._lock:
            return self._error

    def delay(self) -> float:
        """Seconds to hold the next request."""
        with self._lock:
            return self._latency.sample(self._rng) if self._latency else 0.0

    def injected_error(self, verb: str) -> ErrorRate | None:
        """The error to answer the next request with, or None."""
        with self._lock:
            rate = self._error
            if rate is None or (rate.verbs and verb not in rate.verbs):
                return None
            return rate if self._rng.random() < rate.ratio else None
