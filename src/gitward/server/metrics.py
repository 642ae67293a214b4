"""Prometheus metrics: apps (state and conditions), syncs, reconciles, git, rendering, the
work queue, the live caches (what each cluster's cache holds) and the API.

Each server has its own registry (tests run several servers in one process). The numbers come
from seams, not from edits to the engines: the controller's event stream (app status, sync
operations), a timed wrapper around the controller's refresher (reconcile durations), a timed
git runner and renderer handed to the controller when it is made, and an ASGI middleware for
API requests. Nothing here changes what it measures. Label values are names and phases, never
URLs with credentials (repository URLs are not labels at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from gitward.controller.caches import CacheUse
from gitward.controller.events import AppEvent, EventStream
from gitward.git.running import GitResult, GitRunner, run_git
from gitward.render import Renderer
from gitward.store import AppStatus, Store

__all__ = ["Metrics", "TimedRenderer", "timed_git", "timed_refresher"]

_DURATIONS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_COMPLETED = frozenset({"Succeeded", "Failed", "Error"})
_GIT_VERBS = frozenset({"ls-remote", "fetch", "clone", "worktree", "archive", "cat-file"})


@dataclass
class _AppInfo:
    project: str
    sync_status: str
    health_status: str
    conditions: tuple[str, ...] = ()


class _AppInfoCollector(Collector):
    """``gitward_app_info``: one series per app, value 1, labelled with its state."""

    def __init__(self, apps: Mapping[str, _AppInfo]) -> None:
        self._apps = apps

    def collect(self) -> Any:
        family = GaugeMetricFamily(
            "gitward_app_info",
            "Information about an application (value 1)",
            labels=["name", "project", "sync_status", "health_status"],
        )
        for name, info in sorted(self._apps.items()):
            family.add_metric([name, info.project, info.sync_status, info.health_status], 1)
        yield family
        conditions = GaugeMetricFamily(
            "gitward_app_condition",
            "An application's condition, as Argo CD's argocd_app_condition (value 1)",
            labels=["name", "project", "condition"],
        )
        for name, info in sorted(self._apps.items()):
            for condition in info.conditions:
                conditions.add_metric([name, info.project, condition], 1)
        yield conditions


class _CacheCollector(Collector):
    """Per cluster this process watches (as Argo CD's ``argocd_cluster_api_resource_objects``
    and ``argocd_cluster_api_resources``): the objects its live cache holds, the kinds it
    watches, and the apps owned here that deploy there (0: kept only for an API read). A
    cluster not shown is not watched at all."""

    def __init__(self, uses: Callable[[], Sequence[CacheUse]]) -> None:
        self._uses = uses

    def collect(self) -> Any:
        families = {
            "objects": GaugeMetricFamily(
                "gitward_cluster_api_resource_objects",
                "Objects in the live cache of a cluster",
                labels=["server"],
            ),
            "kinds": GaugeMetricFamily(
                "gitward_cluster_api_resources", "Kinds watched on a cluster", labels=["server"]
            ),
            "apps": GaugeMetricFamily(
                "gitward_cluster_cache_apps",
                "Apps reconciled here whose destination is the cluster",
                labels=["server"],
            ),
        }
        for use in self._uses():
            for field, family in families.items():
                family.add_metric([use.server], getattr(use, field))
        yield from families.values()


class Metrics:
    """The server's metrics and the seams that feed them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.apps: dict[str, _AppInfo] = {}
        self.registry.register(_AppInfoCollector(self.apps))
        r = self.registry
        self.sync_total = Counter(
            "gitward_app_sync", "Sync operations finished", ["name", "project", "phase"], registry=r
        )
        self.sync_seconds = Histogram(
            "gitward_app_sync_duration_seconds",
            "Sync operation durations",
            buckets=_DURATIONS,
            registry=r,
        )
        self.reconcile_seconds = Histogram(
            "gitward_app_reconcile_duration_seconds",
            "Refresh (reconcile) durations",
            buckets=_DURATIONS,
            registry=r,
        )
        self.git_requests = Counter(
            "gitward_git_request", "git commands run", ["request_type", "result"], registry=r
        )
        self.git_seconds = Histogram(
            "gitward_git_request_duration_seconds",
            "git command durations",
            ["request_type"],
            buckets=_DURATIONS,
            registry=r,
        )
        self.render_seconds = Histogram(
            "gitward_render_duration_seconds",
            "Manifest render durations",
            buckets=_DURATIONS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "gitward_queue_depth", "Apps waiting in the controller's work queue", registry=r
        )
        self.webhook_queue_depth = Gauge(
            "gitward_webhook_queue_depth", "Webhook deliveries waiting", registry=r
        )
        self.api_requests = Counter(
            "gitward_api_request", "API requests", ["method", "route", "code"], registry=r
        )
        self.api_seconds = Histogram(
            "gitward_api_request_duration_seconds",
            "API request durations",
            ["method", "route"],
            buckets=_DURATIONS,
            registry=r,
        )
        self.git_trees = Gauge(
            "gitward_git_trees",
            "Commits' trees and parts checked out in the git cache (unused ones are removed)",
            registry=r,
        )
        self._sync_started: dict[str, float] = {}

    def watch_caches(self, uses: Callable[[], Sequence[CacheUse]]) -> None:
        """Show the live caches ``uses`` reports at every scrape."""
        self.registry.register(_CacheCollector(uses))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # -- apps and syncs, from the controller's events -------------------------------------------

    async def load(self, store: Store) -> None:
        """Every app's state as stored now (at start, and on every scrape)."""
        conditions = await store.apps.condition_types()
        stored = {
            app.name: _AppInfo(
                app.project, app.sync_status, app.health_status, conditions.get(app.name, ())
            )
            for app in await store.apps.list()
        }
        self.apps.clear()
        self.apps.update(stored)

    async def follow(self, events: EventStream, store: Store) -> None:
        """Keep the app series current from the controller's events until cancelled."""
        with events.subscribe() as subscription:
            async for event in subscription:
                await self._heard(event, store)

    async def _heard(self, event: AppEvent, store: Store) -> None:
        if event.kind == "deleted":
            self.apps.pop(event.app, None)
            return
        info = self.apps.get(event.app)
        if info is None:
            record = await store.apps.get(event.app)
            if record is None:
                return
            info = _AppInfo(record.project, record.status.sync_status, "Unknown")
            info.health_status = record.status.health_status
            self.apps[event.app] = info
        if event.kind == "status":
            info.sync_status, info.health_status = event.sync_status, event.health_status
        elif event.kind == "operation":
            self._operation(event, info)

    def _operation(self, event: AppEvent, info: _AppInfo) -> None:
        now = time.monotonic()
        if event.operation_phase not in _COMPLETED:
            self._sync_started.setdefault(event.app, now)
            return
        self.sync_total.labels(event.app, info.project, event.operation_phase).inc()
        started = self._sync_started.pop(event.app, None)
        if started is not None:
            self.sync_seconds.observe(now - started)

    def set_status(self, name: str, project: str, status: AppStatus) -> None:
        types = tuple(str(c.get("type")) for c in status.conditions)
        self.apps[name] = _AppInfo(project, status.sync_status, status.health_status, types)


# -- seams ------------------------------------------------------------------------------------


def timed_git(metrics: Metrics, runner: GitRunner = run_git) -> GitRunner:
    """A git runner that counts and times each command by its verb."""

    async def run(args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]) -> GitResult:
        verb = next((arg for arg in args if arg in _GIT_VERBS), "other")
        started = time.perf_counter()
        result = await runner(args, cwd=cwd, env=env)
        metrics.git_seconds.labels(verb).observe(time.perf_counter() - started)
        metrics.git_requests.labels(verb, "ok" if result.returncode == 0 else "error").inc()
        return result

    return run


class TimedRenderer(Renderer):
    """The renderer, timing each render it is asked for."""

    def __init__(self, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self._metrics = metrics

    async def render_async(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().render_async(*args, **kwargs)
        finally:
            self._metrics.render_seconds.observe(time.perf_counter() - started)


class _TimedRefresher:
    """The controller's refresher, timing each refresh (a reconcile's main step)."""

    def __init__(self, inner: Any, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def refresh(self, record: Any, *, hard: bool = False) -> Any:
        started = time.perf_counter()
        try:
            return await self._inner.refresh(record, hard=hard)
        finally:
            self._metrics.reconcile_seconds.observe(time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def timed_refresher(controller: Any, metrics: Metrics) -> None:
    """Time the controller's refreshes, through its ``refresher`` attribute."""
    controller.refresher = _TimedRefresher(controller.refresher, metrics)


async def sample_queue(metrics: Metrics, depth: Callable[[], int], every_s: float = 1.0) -> None:
    """Copy the work queue's depth into its gauge every ``every_s`` seconds until cancelled."""
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            metrics.queue_depth.set(depth())
            await asyncio.sleep(every_s)
