"""The controller: keeps every app where Git says it should be.

A work queue holds app names; N workers reconcile them, one app at a time per name, an app that
fails backing off alone. A reconcile steps the app's running operation (if any), refreshes it
(:mod:`~gitward.controller.refreshing`), starts an automated sync when the decision says so, and
stores the status. Apps are reconciled every reconciliation period (with jitter), when a live
cache sees one of their objects change, when a child app's status changes (its parent and its
siblings), and on demand (:meth:`Controller.refresh`, :meth:`Controller.repository_changed`).
Operations are persisted before they start and resumed when the controller starts again.

Public API::

    controller = Controller(store, repos, clusters, renderer, settings)
    await controller.start(); ...; await controller.stop()     # or: async with controller:
    await controller.bootstrap(path_or_document)   # root apps (and projects) into the store
    controller.refresh(app, hard=False)            # reconcile now (hard: resolve again)
    await controller.refreshed(app, within=20.0)   # a person's refresh: resolve again, await it
    await controller.repository_changed(repo_url)  # a webhook: refresh the repo's apps
    await controller.sync(app, SyncRequest(...), initiated_by="alice")
    await controller.rollback(app, history_id, initiated_by="alice", prune=False)
    await controller.terminate(app, initiated_by="alice")
    await controller.delete(app, cascade=None, initiated_by="alice")
    controller.events.subscribe()                  # AppEvent stream

It must not render, compare or apply by itself: the steps' modules do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from gitward.charts import ChartRepositories
from gitward.controller import commands
from gitward.controller.appsetports import StoredForSets
from gitward.controller.caches import LiveCaches
from gitward.controller.capabilities import ClusterCapabilities
from gitward.controller.deciding import Sync, Wait
from gitward.controller.deleting import Deletion
from gitward.controller.desired import GitSide
from gitward.controller.events import AppEvent, EventStream, status_event
from gitward.controller.guarding import Guard
from gitward.controller.membership import Membership
from gitward.controller.operating import Operator
from gitward.controller.overrides import OverridesHolder, ResourceOverrides
from gitward.controller.peers import Peers
from gitward.controller.queue import BackoffPolicy, WorkQueue, run_workers
from gitward.controller.reads import CachedReads, current_operation
from gitward.controller.refreshing import Refreshed, Refresher
from gitward.controller.revisions import RevisionCache
from gitward.controller.statuses import StatusWriter
from gitward.controller.storedsets import StoredSets
from gitward.controller.written import Written
from gitward.errors import GitwardError
from gitward.git import normalize_repo_url
from gitward.git.repo import Repositories
from gitward.kube import Backoff, CacheEvent, Clusters, Tracking
from gitward.kube.tracking import DEFAULT_TRACKING
from gitward.model.application import parse_application
from gitward.redaction import redact
from gitward.render import Renderer
from gitward.settings import ControllerSettings
from gitward.store import (
    AppRecord,
    AuditAction,
    OperationRecord,
    OperationRunningError,
    Store,
)
from gitward.store.fencing import FencedError
from gitward.store.operations import StepClaimedError
from gitward.sync import SyncRequest, utc_now

__all__ = ["Controller"]

log = logging.getLogger(__name__)

RENDERS_KEPT_PER_APP = 2
"""Renders the controller's render cache has room for, per app in the store: a source each
(most apps have one), and the renders of the commit before a push until they are evicted."""

AUTOMATED = "automated"
_CLAIM_RETRY_S = 1.0
_SWEEP_S = 30.0


class Controller:
    """gitward's reconcile loop over every app in the store."""

    def __init__(
        self,
        store: Store,
        repos: Repositories,
        clusters: Clusters,
        renderer: Renderer,
        settings: ControllerSettings | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        tracking: Tracking = DEFAULT_TRACKING,
        cache_backoff: Backoff | None = None,
        rng: random.Random | None = None,
        charts: ChartRepositories | None = None,
    ) -> None:
        self.settings = settings or ControllerSettings()
        self.store = store
        self.clock = clock
        self.views = EventStream()  # what the API shows: these events and other replicas' changes
        self.events = EventStream(forward=self.views)
        self.revisions = RevisionCache(repos.resolve)
        self.git = GitSide(repos, self.revisions, renderer, charts)
        self._renders = renderer.cache
        self.caches = LiveCaches(
            clusters, listener=self._heard, tracking=tracking, backoff=cache_backoff
        )
        self.git.capabilities = ClusterCapabilities(self.caches).of
        self.overrides = OverridesHolder()
        common: dict[str, Any] = {
            "settings": self.settings,
            "clock": clock,
            "tracking": tracking,
            "overrides": self.overrides,
        }
        self.reads = CachedReads(store)
        stored = StoredForSets(store, self.reads)
        self.git.clusters, self.git.existing_apps = stored.clusters, stored.existing
        self.git.project_of = stored.project
        self.written = Written()
        common["written"] = self.written
        common["guard"] = Guard(self.reads, self.settings.policies_dir)
        self.refresher = Refresher(self.reads, self.git, self.caches, **common)
        self.operator = Operator(
            store,
            self.git,
            self.caches,
            **common,
            reads=self.reads,
            events=self.events,
            on_applied=self.refresh,
            delete_app=lambda name, by: self._delete(name, cascade=None, initiated_by=by),
        )
        self.deletion = Deletion(
            store,
            tracking,
            lambda name: self._delete(name, cascade=None, initiated_by="parent application"),
            warm_s=self.settings.cache_warm_s,
        )
        self.stored_sets = StoredSets(
            store,
            self.git,
            owns=self.owns,
            refresh=self.refresh,
            delete_app=lambda name: self._delete(name, cascade=None, initiated_by="applicationset"),
            clock=clock,
        )
        self.statuses = StatusWriter(store)
        self.queue = _queue(self.settings)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._hard: set[str] = set()
        self._awaited: dict[str, list[asyncio.Future[None]]] = {}
        self._running: asyncio.Task[None] | None = None
        self._retick = asyncio.Event()
        self._hard_refreshed_at: float | None = None
        self.sweep_s = _SWEEP_S
        """How often idle caches are closed and unused trees removed (tests shorten it)."""
        self.membership: Membership | None = None  # with replicas: who owns which app
        self.peers = Peers(
            store,
            self.queue,
            self.reads,
            self.views,
            owns=self.owns,
            refresh=lambda app: self.refresh(app, hard=True),
            look_again=self.rebalance,
            members_changed=self._members_changed,
            deleted=self.caches.release,
        )

    # -- running -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Reconcile in the background until :meth:`stop` (see :meth:`run`)."""
        if self._running is None:
            loop = asyncio.get_running_loop()
            self._running = loop.create_task(self.run(), name="gitward-controller")

    async def run(self) -> None:
        """Resume in-flight operations, refresh every app, and reconcile until cancelled (a
        crash, as far as the store knows: a restart resumes from the last stored step) or
        :meth:`stop`."""
        self.reads.open()
        self.peers.open()
        for operation in await self.store.operations.running():
            self.queue.add(operation.app)
        loop = asyncio.get_running_loop()
        background = [loop.create_task(self._tick()), loop.create_task(self._sweep())]
        try:
            await run_workers(self.queue, self._reconcile, max(1, self.settings.workers))
        finally:
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.statuses.drain()
            self.peers.close()
            self.reads.close()
            await self.caches.close()

    async def stop(self) -> None:
        """Stop taking work, let each worker finish (and store) the step it is in, and stop."""
        self.queue.close()
        running, self._running = self._running, None
        if running is not None:
            await running
        else:
            await self.caches.close()

    async def __aenter__(self) -> Controller:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _tick(self) -> None:
        """Refresh every app now and then every reconciliation period, spread by jitter (a
        hard refresh every hard reconciliation period, when one is set)."""
        first = True
        while True:
            self._retick.clear()  # a change from here on refreshes every app again
            self.revisions.next_cycle()
            await self.stored_sets.reconcile_all()  # before the list: its new apps are in it
            since = self.reads.mark()
            summaries = await self.store.apps.list()
            running = await self.store.operations.running()
            self.reads.resync(summaries, running, since=since)
            self._renders.hold(RENDERS_KEPT_PER_APP * len(summaries))  # a hit for every app
            hard = self._hard_due()
            owned = [app.name for app in summaries if self.owns(app.name)]
            self.caches.keep_only(set(owned))  # a cluster no owned app deploys to: unwatched
            for app in summaries:
                if not self.owns(app.name):
                    continue
                if hard:
                    self._hard.add(app.name)
                delay = 0.0 if first else self._rng.uniform(0, self.settings.jitter_s)
                self.queue.add_after(app.name, delay)
            first = await self._until_next_tick()

    async def _sweep(self) -> None:
        """Now and then, close the caches only visited (by the API) that nobody looked at for
        a while, and remove the commits' trees no app used lately."""
        while True:
            await asyncio.sleep(self.sweep_s)
            self.caches.sweep()
            await self.collect_trees()

    async def collect_trees(self) -> None:
        """Remove the commits' trees not used lately (``gitward.git.treeuses``); a failure
        is logged and tried again at the next sweep."""
        try:
            collected = await self.git.repos.collect_trees()
        except OSError as err:
            log.warning("could not remove unused commit trees: %s", err)
            return
        log.debug("%s", collected.describe())

    def _hard_due(self) -> bool:
        period = self.settings.hard_reconciliation_s
        now = asyncio.get_running_loop().time()
        if self._hard_refreshed_at is None:
            self._hard_refreshed_at = now
            return False
        if period <= 0 or now - self._hard_refreshed_at < period:
            return False
        self._hard_refreshed_at = now
        return True

    async def _until_next_tick(self) -> bool:
        """Sleep one reconciliation period (forever when it is 0); True when the settings
        changed meanwhile (every app is then refreshed at once, without jitter)."""
        period = self.settings.reconciliation_s
        if self.settings.hard_reconciliation_s > 0:
            period = min(p for p in (period, self.settings.hard_reconciliation_s) if p > 0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(period if period > 0 else None):
                await self._retick.wait()
        return self._retick.is_set()

    def configure(
        self,
        *,
        settings: ControllerSettings | None = None,
        overrides: ResourceOverrides | None = None,
    ) -> None:
        """Use new settings from the next step on (a reload of the settings file); the
        periodic refresh is rescheduled at once. New exclusions reach the live caches through
        :meth:`set_resource_filter`."""
        if settings is not None and settings != self.settings:
            self.settings = self.refresher.settings = self.operator.settings = settings
            self._retick.set()
        if overrides is not None and overrides != self.overrides.current:
            self.overrides.current = overrides
            self._retick.set()

    async def set_resource_filter(self, overrides: ResourceOverrides) -> None:
        """Stop watching what the new exclusions leave out, and watch nothing of it again."""
        await self.caches.set_filter(overrides.resource_filter)

    def owns(self, app: str) -> bool:
        """Whether ``app`` is this replica's to reconcile (always, in one process)."""
        return self.membership is None or self.membership.owns(app)

    def rebalance(self) -> None:
        """The live replicas changed: look at every app again, taking up those gained now."""
        self._retick.set()

    def _members_changed(self) -> None:
        if self.membership is not None:
            self.membership.read_soon()

    def _heard(self, event: CacheEvent) -> None:
        for app in self.written.others(event):
            if self.owns(app):  # with replicas, each hears every app's objects change
                self.queue.add(app)

    # -- one reconcile -------------------------------------------------------------------------

    async def _reconcile(self, name: str) -> bool:
        """Reconcile ``name``; whoever awaited a refresh asked for before it began is told
        when it ends (stored), whether it succeeded or not."""
        awaited = self._awaited.pop(name, [])
        try:
            return await self._reconcile_one(name)
        except StepClaimedError:
            self.queue.add_after(name, _CLAIM_RETRY_S)  # its old owner is storing a step
            return True
        except FencedError as err:
            log.info("%s: not written: %s", name, err.message)
            return True
        finally:
            for future in awaited:
                if not future.done():
                    future.set_result(None)

    async def _reconcile_one(self, name: str) -> bool:
        if not self.owns(name):
            self.caches.release(name)
            return True  # another replica's
        record = await self.reads.app(name)
        if record is None:
            self.queue.forget(name)
            self.caches.release(name)
            await self.stored_sets.reconcile_key(name)  # a stored set, asked of its owner
            return True
        hard = name in self._hard
        self._hard.discard(name)
        operation = await current_operation(self.reads, name)
        if operation is not None:
            stepped = await self.operator.step(record, operation)
            if stepped.wake_at is not None:
                delay = (stepped.wake_at - self.clock()).total_seconds()
                self.queue.add_after(name, delay, urgent=True)  # the operation's next step
        refreshed = await self.refresher.refresh(record, hard=hard)
        if refreshed.transient:
            reasons = [c["message"] for c in refreshed.status.conditions]
            log.warning("%s: kept its last known state: %s", name, redact("; ".join(reasons)))
        started = await self._act(record, refreshed)
        await self._store_status(record, refreshed)
        if started is not None:
            self.queue.add(name, urgent=True)  # its sync, before the cycle's other refreshes
        return not refreshed.transient

    async def _act(self, record: AppRecord, refreshed: Refreshed) -> OperationRecord | None:
        decision = refreshed.decision
        if isinstance(decision, Wait) and decision.until is not None:
            self.queue.add_after(record.name, (decision.until - self.clock()).total_seconds())
        if not isinstance(decision, Sync) or refreshed.app is None:
            return None
        request = commands.automated_request(refreshed, decision, self.settings)
        try:
            started = await self.operator.start(record.name, request, initiated_by=AUTOMATED)
        except OperationRunningError:
            return None
        log.info("%s: %s (operation %s)", record.name, redact(decision.reason), started.id)
        return started

    async def _store_status(self, record: AppRecord, refreshed: Refreshed) -> None:
        if not await self.statuses.write(record.name, refreshed.status):
            return  # deleted meanwhile
        event = status_event(record.name, record.status, refreshed.status)
        if event is None:
            return
        self.events.publish(event)
        if record.parent is not None:
            await self._tell_family(record.parent)

    async def _tell_family(self, parent: str) -> None:
        """A child changed: its parent (waiting on it, showing it) and its siblings (gated on
        it) look again."""
        self.queue.add(parent)
        for sibling in await self.reads.children(parent):
            self.queue.add(sibling)

    # -- on demand -----------------------------------------------------------------------------

    def refresh(self, app: str, *, hard: bool = False) -> None:
        """Reconcile ``app`` as soon as a worker is free; ``hard`` resolves revisions again
        (asked of the app's owner when another replica owns it: a webhook, a person) and goes
        ahead of the periodic refreshes waiting in the queue."""
        if hard and not self.owns(app) and self.membership is not None:
            self.peers.ask(app)
            return
        if hard:
            self._hard.add(app)
        self.queue.add(app, urgent=hard)

    async def refreshed(self, app: str, *, hard: bool = False, within: float) -> bool:
        """A person's refresh (Argo CD's ``?refresh=normal|hard``): resolve ``app``'s
        revisions again (a branch may have moved), reconcile it, and return once its status is
        stored; False when that took longer than ``within`` seconds (it goes on regardless).
        gitward renders by commit SHA, so a hard refresh finds what a normal one does."""
        if self._running is None:  # not reconciling (stopped, or an API-only test server)
            self.refresh(app, hard=True)
            return False
        if not self.owns(app):
            return await self.peers.refreshed_elsewhere(app, within)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._awaited.setdefault(app, []).append(future)
        self.refresh(app, hard=True)
        try:
            await asyncio.wait_for(asyncio.shield(future), within)
        except TimeoutError:
            return False
        finally:
            waiting = self._awaited.get(app)
            if waiting is not None and future in waiting:
                waiting.remove(future)
                if not waiting:
                    del self._awaited[app]
        return True

    async def repository_changed(self, repo_url: str) -> list[str]:
        """A push to ``repo_url`` (a webhook): resolve it again and refresh its apps."""
        self.revisions.forget(repo_url)
        wanted = normalize_repo_url(repo_url)
        refreshed = []
        for summary in await self.store.apps.list():
            record = await self.reads.app(summary.name)
            if record is not None and wanted in commands.repositories_of(record):
                self.refresh(record.name)
                refreshed.append(record.name)
        return refreshed

    async def bootstrap(self, root: Path | Mapping[str, Any]) -> list[str]:
        """Put the Applications and AppProjects of a file (or one Application document) into
        the store as root apps, and refresh them; returns the apps' names."""
        names = await commands.bootstrap(self.store, root)
        for name in names:
            self.refresh(name)
        return names

    async def sync(
        self, app: str, request: SyncRequest | None = None, *, initiated_by: str
    ) -> OperationRecord:
        """Start a sync of ``app`` (at ``request.revision``, else what its targetRevision
        names now). Refused while another operation runs."""
        record = await commands.existing(self.store, app)
        prepared = await commands.manual_request(record, request, self.git, self.settings)
        started = await self.operator.start(app, prepared, initiated_by=initiated_by)
        self.queue.add(app, urgent=True)
        return started

    async def rollback(
        self,
        app: str,
        history_id: int,
        *,
        initiated_by: str,
        prune: bool = False,
        dry_run: bool = False,
    ) -> OperationRecord:
        """Deploy what history entry ``history_id`` deployed; refused while automated sync is
        on (as in Argo CD). Prunes only with ``prune``; ``dry_run`` changes nothing."""
        record = await commands.existing(self.store, app)
        prepared = await commands.rollback_request(
            self.store, record, history_id, self.settings, prune=prune, dry_run=dry_run
        )
        started = await self.operator.start(app, prepared, initiated_by=initiated_by)
        self.queue.add(app, urgent=True)
        return started

    async def terminate(self, app: str, *, initiated_by: str) -> OperationRecord | None:
        """Stop ``app``'s running operation at its next step; None when none runs."""
        found = await self.store.operations.terminate(app)
        if found is not None:
            await self.store.audit.append(
                initiated_by, AuditAction.TERMINATE, f"Application {app}", {"operation": found.id}
            )
            self.queue.add(app)
        return found

    async def delete(self, app: str, *, cascade: bool | None = None, initiated_by: str) -> bool:
        """Delete ``app``; with the resources finalizer (or ``cascade=True``) its resources
        too, except ``Delete=false`` ones. False when there was no such app."""
        return await self._delete(app, cascade=cascade, initiated_by=initiated_by)

    async def _delete(self, name: str, *, cascade: bool | None, initiated_by: str) -> bool:
        record = await self.store.apps.get(name)
        if record is None:
            return False
        try:
            app = parse_application(dict(record.document), file=record.file).value
        except GitwardError:
            app = None
        cascading = commands.cascades(record, app) if cascade is None else cascade
        await self.store.operations.terminate(name)
        kept: list[str] = []
        if cascading:
            place = None
            if app is not None:
                with contextlib.suppress(GitwardError):
                    place = self.caches.of(app.destination)
            kept = await self.deletion.resources(record, app, place)
        await self.store.apps.delete(name)
        details = {"cascade": cascading, "kept": [redact(item) for item in kept]}
        await self.store.audit.append(
            initiated_by, AuditAction.DELETE, f"Application {name}", details
        )
        self.queue.forget(name)
        self.caches.release(name)
        self.refresher.dry_runs.forget(name)
        self.refresher.comparisons.forget(name)
        self.written.forget(name)
        self.events.publish(AppEvent(app=name, kind="deleted", initiated_by=initiated_by))
        if record.parent is not None:
            self.queue.add(record.parent)
        return True


def _queue(settings: ControllerSettings) -> WorkQueue:
    """The work queue, backing off failed apps from the settings' base to their cap."""
    return WorkQueue(
        BackoffPolicy(settings.error_backoff_base_s, 2.0, settings.error_backoff_cap_s)
    )
