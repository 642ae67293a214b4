"""The destination cluster's version and APIs, for Helm charts: asked once per cluster and then
every few minutes, as Argo CD keeps its cluster info.

A refresh and a sync step render the same app with the same capabilities (both read them here),
so a sync never deploys what the comparison did not show. An app whose destination is not
known yet gets none (its refresh reports the destination itself); a cluster that cannot be
asked is a passing error, so the app keeps its last known state. It must not render.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from gitward.controller.caches import LiveCaches
from gitward.errors import GitwardError
from gitward.kube.discovery import Discovery
from gitward.model.application import Application
from gitward.model.capabilities import Capabilities

__all__ = ["MAX_AGE_S", "ClusterCapabilities"]

MAX_AGE_S = 300.0
"""How long a cluster's answer is used before it is asked again (a CRD installed since then
shows up in ``.Capabilities.APIVersions`` at most this late)."""


class ClusterCapabilities:
    """Capabilities by destination cluster; see the module docstring."""

    def __init__(
        self,
        caches: LiveCaches,
        *,
        max_age_s: float = MAX_AGE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._caches = caches
        self._max_age_s = max_age_s
        self._monotonic = monotonic
        self._known: dict[str, tuple[float, Capabilities]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def of(self, app: Application) -> Capabilities | None:
        """The capabilities of ``app``'s destination cluster (None when it has none to ask)."""
        try:
            cluster = self._caches.cluster(app.destination)
        except GitwardError:
            return None  # the refresh's own step names what is wrong with the destination
        discovery = getattr(cluster, "discovery", None)
        if not isinstance(discovery, Discovery):
            return None
        async with self._locks.setdefault(cluster.name, asyncio.Lock()):
            known = self._known.get(cluster.name)
            now = self._monotonic()
            if known is not None and now - known[0] < self._max_age_s:
                return known[1]
            found = await discovery.capabilities()
            if known is not None and known[1] == found:
                found = known[1]  # the same value: render caches keep hitting
            self._known[cluster.name] = (now, found)
            return found
