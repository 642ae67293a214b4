"""Running operations: persisted before they start, stored after every step, resumed after a
restart, stopped at the next step when terminated.

An operation (a manual, automated or rollback sync) is written to the store with its request
before anything is applied. Each step builds a fresh sync context: the desired objects rendered
at the operation's own commits (cached by SHA), the live objects from the destination's cache
and, for an app-of-apps, the child apps and projects from the store through :class:`AppsPort`;
then the sync engine's re-entrant ``step`` runs and its state is stored. A sync that succeeded
is a deployment: it is recorded in the app's history in the same transaction that ends it, so a
crash never leaves an operation finished without its history entry, or the reverse. As in Argo
CD, a failed one is not history (a rollback must never pick it): it stays in the operation
state, the events and the audit log.

A child app is judged as its parent should see it: Healthy only once it has been reconciled
after the parent applied it and, for an automated child, is Synced at the commit its
targetRevision names now; a manual child only needs to have been reconciled.

Sync windows apply here as in Argo CD's ``SyncAppState``: a person's sync or rollback that the
app's windows block is refused when it is asked for (unless a window allows manual syncs), and
an operation running when a window closes on it waits, still Running, before its next step
("blocked by sync window", retries included) until the window lets it go on, unless the window
has ``syncOverrun``. It must not decide whether to sync: the caller starts operations.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from gitward import health
from gitward.controller.appobjects import child_health, is_app_key, is_automated
from gitward.controller.appofapps import is_argo_object
from gitward.controller.appsport import AppsPort, children_live
from gitward.controller.caches import LiveCaches
from gitward.controller.desired import GitSide
from gitward.controller.events import AppEvent, EventStream
from gitward.controller.guarding import Guard
from gitward.controller.overrides import OverridesHolder
from gitward.controller.reads import StoreReads
from gitward.controller.requests import OperationRequest
from gitward.controller.unexpected import UnexpectedErrors
from gitward.controller.windows import BLOCKED, check_manual, running_verdict
from gitward.controller.written import Written
from gitward.errors import GitwardError, TransientError
from gitward.health import Health, HealthCustomizations, HealthStatus
from gitward.kube import Tracking
from gitward.model.application import Application, parse_application
from gitward.model.objects import Manifest, ResourceKey
from gitward.settings import ControllerSettings
from gitward.store import AppRecord, AuditAction, OperationPhase, OperationRecord, Store
from gitward.sync import SyncContext, SyncOperation, live_from_cache, step

__all__ = ["Operator", "Stepped", "target_app"]

_APPLIED = "childrenApplied"
_HELD_SINCE = "heldSince"
"""When a sync window began to hold the operation (kept in its stored state until it resumes)."""

Expected = dict[str, str | tuple[str, ...] | None]


@dataclass(frozen=True)
class Stepped:
    """After one step: the stored record, and when to step again (None: when something
    changes, or never once ``finished``)."""

    record: OperationRecord
    wake_at: datetime | None
    finished: bool


class Operator:
    """Starts and steps operations; one instance serves the whole controller."""

    def __init__(
        self,
        store: Store,
        git: GitSide,
        caches: LiveCaches,
        *,
        reads: StoreReads,
        settings: ControllerSettings,
        clock: Callable[[], datetime],
        tracking: Tracking,
        events: EventStream,
        on_applied: Callable[[str], None],
        delete_app: Callable[[str, str], Awaitable[object]],
        written: Written | None = None,
        overrides: OverridesHolder | None = None,
        guard: Guard | None = None,
    ) -> None:
        self.overrides = overrides or OverridesHolder()
        self.store = store
        self.written = written
        self.guard = guard or Guard(reads, settings.policies_dir)
        self.reads = reads
        self.git = git
        self.caches = caches
        self.settings = settings
        self.clock = clock
        self.tracking = tracking
        self.events = events
        self.on_applied = on_applied
        self.delete_app = delete_app
        self.unexpected = UnexpectedErrors()

    async def start(
        self, app: str, request: OperationRequest, *, initiated_by: str
    ) -> OperationRecord:
        """Persist a new operation (refused while another runs, and for a person's sync or
        rollback while a sync window blocks it) and audit who started it."""
        if not request.automated:
            await self._check_windows(app, request)
            await self._check_policies(app, request)
        operation = SyncOperation.start(request.sync, now=self.clock())
        action = AuditAction.ROLLBACK if request.kind == "rollback" else AuditAction.SYNC
        async with self.store.transaction() as tx:  # the operation and its audit entry, as one
            record = await tx.operations.start(
                app, request=request.to_dict(), requested_by=initiated_by, state=operation.to_dict()
            )
            details = {
                "operation": record.id,
                "revisions": list(request.revisions),
                "automated": request.automated,
                "reason": request.reason,
            }
            await tx.audit.append(initiated_by, action, f"Application {app}", details)
        self._publish(record, record.phase.value, request.reason or "operation started")
        return record

    async def step(self, app: AppRecord, record: OperationRecord) -> Stepped:
        """Run one step of ``record`` and store what it did. With replicas, the step is
        claimed first (the store refuses a replica that lost its lease or the app) and the
        claim given back if the step ends without storing anything."""
        if self.store.fencing.fence is None:
            return await self._step(app, record)
        record = await self.store.operations.claim(record.id)
        try:
            return await self._step(app, record)
        except BaseException:
            with contextlib.suppress(GitwardError):
                await self.store.operations.release(record.id)
            raise

    async def _step(self, app: AppRecord, record: OperationRecord) -> Stepped:
        try:
            request = OperationRequest.of(record)
            state = SyncOperation.from_dict(dict(record.state))
            target = target_app(app, request)
        except GitwardError as err:
            return await self._end(record, OperationPhase.ERROR, err.message, dict(record.state))
        if record.terminate and not state.completed:
            state = state.terminate()
        elif not request.sync.dry_run:
            held = await self._held(record, target, request)
            if held is not None:
                return held
            state = _after_hold(state, record.state, self.clock())
        return await self._advance(app, record, request, target, state)

    async def _advance(
        self,
        app: AppRecord,
        record: OperationRecord,
        request: OperationRequest,
        target: Application,
        state: SyncOperation,
    ) -> Stepped:
        """Render, read the live state and run the sync engine's next step; store the result."""
        try:
            context, port = await self._context(target, request, record)
        except TransientError as err:
            return await self._pause(record, state, err.message)
        except GitwardError as err:
            phase = OperationPhase.FAILED
            message = "Operation terminated" if record.terminate else err.message
            return await self._end(record, phase, message, state.to_dict())
        except Exception as err:  # a bug: the operation ends in Error, nothing is pruned
            return await self._unexpected(record, state.to_dict(), err)
        try:
            new = await step(state, context)
        except GitwardError:
            raise
        except Exception as err:  # a bug in a step: the operation ends there, with no prune
            return await self._unexpected(record, state.to_dict(), err)
        saved = {**new.to_dict(), _APPLIED: {n: t.isoformat() for n, t in port.applied.items()}}
        if new.completed:
            return await self._finish(app, record, request, new, saved)
        stored = await self.store.operations.save_step(record.id, saved, message=new.message)
        self._publish(stored, new.phase.value, new.message)
        return Stepped(stored, new.wake_at, finished=False)

    # -- sync windows ------------------------------------------------------------------------------

    async def _check_windows(self, name: str, request: OperationRequest) -> None:
        record = await self.reads.app(name)
        if record is None:
            return  # the store refuses the operation
        app = target_app(record, request)
        project = await self.reads.project(app.project)
        what = "rollback" if request.kind == "rollback" else "sync"
        check_manual(project, app, self.clock(), what=what, dry_run=request.sync.dry_run)

    async def _check_policies(self, name: str, request: OperationRequest) -> None:
        """Refuse a person's sync at once when a Deny policy refuses what it would apply (each
        step checks again, with the live objects)."""
        record = await self.reads.app(name)
        if record is None or request.sync.dry_run:
            return
        app = target_app(record, request)
        try:
            desired = await self.git.render(app, request.revisions)
        except GitwardError:
            return  # the operation's first step reports it
        await self.guard.refuse_denied(app, desired.objects, ())

    async def _held(
        self, record: OperationRecord, app: Application, request: OperationRequest
    ) -> Stepped | None:
        """Hold the operation before its next step while a sync window blocks it."""
        now = self.clock()
        try:
            project = await self.reads.project(app.project)
        except GitwardError as err:
            return await self._hold(record, f"{BLOCKED}: {err.message}", None)
        found = running_verdict(
            project, app, now, manual=not request.automated, started_at=record.created_at
        )
        if found.allowed:
            return None
        return await self._hold(record, f"Sync operation {BLOCKED}: {found.reason}", found.until)

    async def _hold(self, record: OperationRecord, message: str, until: datetime | None) -> Stepped:
        now = self.clock()
        wake = until or now + timedelta(seconds=self.settings.reconciliation_s or 60.0)
        if record.message == message:
            return Stepped(record, wake, finished=False)
        state = {_HELD_SINCE: now.isoformat(), **record.state}  # the first hold's start stays
        stored = await self.store.operations.save_step(record.id, state, message=message)
        self._publish(stored, stored.phase.value, message)
        return Stepped(stored, wake, finished=False)

    # -- the context of a step -------------------------------------------------------------------

    async def _context(
        self, app: Application, request: OperationRequest, record: OperationRecord
    ) -> tuple[SyncContext, AppsPort]:
        desired = await self.git.render(app, request.revisions)
        cluster, cache = self.caches.of(app.destination, app=app.name)
        overrides = self.overrides.current
        wanted = overrides.split_excluded(desired.objects, cache.server).kept
        app = overrides.for_app(app, wanted)
        in_cluster = [obj for obj in wanted if not is_argo_object(obj)]
        argo = [obj for obj in wanted if is_argo_object(obj)]
        cache.watch_kinds_of(in_cluster)
        await cache.wait_warm(within=self.settings.cache_warm_s)
        live = live_from_cache(cache, in_cluster, app.name)
        if not request.sync.dry_run:
            await self.guard.refuse_denied(app, wanted, live)
        keys = [ResourceKey.of(obj) for obj in argo]
        live.extend(await children_live(self.reads, app.name, keys, self.tracking))
        port = AppsPort(
            cluster,
            self.store,
            app.name,
            on_applied=self.on_applied,
            delete_app=lambda child: self.delete_app(child, f"application {app.name}"),
            clock=self.clock,
            applied=_applied(record.state),
            on_written=self._on_written(app.name),
        )
        expected = await self._expectations(app.name, argo)
        context = SyncContext(
            cluster=port,
            app=app,
            desired=wanted,
            live=live,
            tracking=self.tracking,
            assess=_assessor(app.name, expected, port, overrides.health),
            clock=self.clock,
            poll_interval_s=self.settings.poll_interval_s,
        )
        return context, port

    def _on_written(self, app: str) -> Callable[[ResourceKey, Manifest], None] | None:
        written = self.written
        if written is None:
            return None
        return lambda key, answer: written.wrote(app, key, answer)

    async def _expectations(self, parent: str, declared: list[Manifest]) -> Expected:
        """For each automated child app: the commits its targetRevisions name now."""
        expected: Expected = {}
        for obj in declared:
            if not is_app_key(ResourceKey.of(obj)) or not is_automated(obj):
                continue
            try:
                child = parse_application(obj).value
                if child.name == parent:
                    continue
                revisions = await self.git.resolve(child)
            except GitwardError:
                continue  # judged by freshness alone; its own refresh reports the problem
            expected[child.name] = revisions if child.multi_source else revisions[0]
        return expected

    # -- ends ----------------------------------------------------------------------------------

    async def _pause(self, record: OperationRecord, state: SyncOperation, why: str) -> Stepped:
        message = f"waiting: {why}"
        stored = await self.store.operations.save_step(record.id, state.to_dict(), message=message)
        self._publish(stored, state.phase.value, message)
        wake = self.clock() + timedelta(seconds=self.settings.poll_interval_s)
        return Stepped(stored, wake, finished=False)

    async def _finish(
        self,
        app: AppRecord,
        record: OperationRecord,
        request: OperationRequest,
        new: SyncOperation,
        saved: Mapping[str, Any],
    ) -> Stepped:
        phase = OperationPhase(new.phase.value)
        async with self.store.transaction() as tx:
            done = await tx.operations.finish(record.id, phase, message=new.message, state=saved)
            if phase is OperationPhase.SUCCEEDED and not request.sync.dry_run:
                await tx.history.record(
                    app.name,
                    revision=", ".join(request.target_revisions or request.revisions),
                    commit_sha=request.revisions[0] if request.revisions else "",
                    source=_source_record(app, request),
                    initiated_by=record.requested_by,
                    phase=phase,
                    message=new.message,
                )
        self._publish(done, phase.value, new.message)
        return Stepped(done, None, finished=True)

    async def _end(
        self,
        record: OperationRecord,
        phase: OperationPhase,
        message: str,
        state: Mapping[str, Any],
    ) -> Stepped:
        done = await self.store.operations.finish(record.id, phase, message=message, state=state)
        self._publish(done, phase.value, message)
        return Stepped(done, None, finished=True)

    async def _unexpected(
        self, record: OperationRecord, state: Mapping[str, Any], err: Exception
    ) -> Stepped:
        """End the operation in Error with the exception's message (traceback logged once)."""
        error = self.unexpected.error_of(record.app, err)
        return await self._end(record, OperationPhase.ERROR, error.message, state)

    def _publish(self, record: OperationRecord, phase: str, message: str) -> None:
        self.events.publish(
            AppEvent(
                app=record.app,
                kind="operation",
                operation_phase=phase,
                message=message,
                initiated_by=record.requested_by,
            )
        )


def _assessor(
    parent: str, expected: Expected, port: AppsPort, customizations: HealthCustomizations
) -> Callable[[Manifest], Health]:
    def assess(obj: Manifest) -> Health:
        key = ResourceKey.of(obj)
        if not is_app_key(key):
            return health.assess(obj, customizations=customizations)
        if key.name == parent:
            return Health(HealthStatus.HEALTHY, "the application itself")
        return child_health(
            obj, expected_revision=expected.get(key.name), applied_at=port.applied.get(key.name)
        )

    return assess


def target_app(app: AppRecord, request: OperationRequest) -> Application:
    """The Application to deploy: the app's own, or with the sources a rollback recorded."""
    document = copy.deepcopy(dict(app.document))
    if request.sources is not None:
        spec = document.setdefault("spec", {})
        spec.pop("source", None)
        spec.pop("sources", None)
        spec.update({k: v for k, v in request.sources.items() if k in ("source", "sources")})
    return parse_application(document, file=app.file).value


def _source_record(app: AppRecord, request: OperationRequest) -> dict[str, Any]:
    """What history keeps of the sources deployed, so a rollback can deploy them again."""
    if request.sources is not None:
        chosen = {k: v for k, v in request.sources.items() if k in ("source", "sources")}
    else:
        spec = app.document.get("spec") or {}
        chosen = {k: spec[k] for k in ("source", "sources") if isinstance(spec, dict) and k in spec}
    return {**copy.deepcopy(chosen), "revisions": list(request.revisions)}


def _after_hold(state: SyncOperation, stored: Mapping[str, Any], now: datetime) -> SyncOperation:
    """``state`` resuming after a sync window held it: the time held does not count toward the
    current wave's timeout (a freeze of hours would otherwise fail the wave at once)."""
    try:
        since = datetime.fromisoformat(str(stored[_HELD_SINCE]))
    except (KeyError, ValueError):
        return state
    if state.mark is None or now <= since:
        return state
    return replace(state, mark=replace(state.mark, since=state.mark.since + (now - since)))


def _applied(state: Mapping[str, Any]) -> dict[str, datetime]:
    found = state.get(_APPLIED)
    applied: dict[str, datetime] = {}
    for name, stamp in found.items() if isinstance(found, dict) else ():
        try:
            applied[str(name)] = datetime.fromisoformat(str(stamp))
        except ValueError:
            continue
    return applied
