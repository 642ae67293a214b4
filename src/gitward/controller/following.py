"""Automatic promotion: an app annotated ``gitward.io/promote-from: SOURCE`` follows SOURCE.

It listens to the controller's event stream (where every stored status change is published)
and, whenever an app's status changes, looks at that app both ways: as a target (is its source
Synced and Healthy now?) and as a source (which apps follow it?). For each (source revision,
target) pair it starts one promotion of the target's ``gitward.io/promote-keys``, as its own
task, at most :data:`AT_ONCE` at a time, so reconciliation never waits for git. A manual target
gets a promotion branch, never a commit (:mod:`gitward.controller.promoting` decides).

For each target it remembers, in memory only, the source and the source revision it last
promoted from: enough to promote once per revision, and bounded by the apps that follow another
(a target is forgotten when it is deleted or stops following). After a restart the first look
promotes again, and the write-back's rule (values already there commit nothing) makes that a
no-op; into a manual target, the same values name the same promotion branch, which is then
neither pushed, audited nor proposed again. A refusal (a gate, a key missing) is logged,
audited and published on the target's stream (the API shows it among the target's events); it
is not retried until the source's revision changes. A passing failure (git unreachable) is
retried at the next status change of either app.

With several server replicas each one hears every status change, yet a target must be promoted
by one of them only: ``owns`` says whether this process owns a target app (by default it owns
every app, as a single server does), and a target it does not own is left to its owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from gitward.controller.events import AppEvent, EventStream, Subscription
from gitward.errors import GitwardError, TransientError
from gitward.model import annotations as marks
from gitward.redaction import redact
from gitward.store import AppRecord, AuditAction

if TYPE_CHECKING:
    from gitward.controller.promoting import Promotions
    from gitward.store import Store

__all__ = [
    "AT_ONCE",
    "AUTOMATED_PROMOTION",
    "REFUSED",
    "AppReader",
    "Follower",
    "Ownership",
    "owns_every_app",
]

log = logging.getLogger(__name__)

AT_ONCE = 2
AUTOMATED_PROMOTION = "automated"
"""The actor the audit log names for an automatic promotion (as for an automated sync)."""
REFUSED = "refused"
"""The audit entry's ``outcome`` for an automatic promotion a gate refused."""

Ownership = Callable[[str], bool]
"""Whether this process owns the app of that name (and so runs its automatic promotions)."""


AppReader = Callable[[str], Awaitable[AppRecord | None]]
"""Reads an app's record by name (the controller's cached reads in a server: a status event
must not cost a database read)."""


def owns_every_app(app: str) -> bool:
    """A single server owns every app."""
    return True


class Follower:
    """Runs the promotions the ``gitward.io/promote-from`` annotations ask for."""

    def __init__(
        self,
        promotions: Promotions,
        store: Store,
        events: EventStream,
        owns: Ownership = owns_every_app,
        read_app: AppReader | None = None,
    ) -> None:
        self._promotions = promotions
        self._store = store
        self._read_app = read_app or store.apps.get
        self._events = events
        self._owns = owns
        self._sources: dict[str, str] = {}  # target -> source, from the annotations seen
        self._done: dict[str, tuple[str, str]] = {}  # target -> (source, revision) last done
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}  # (source revision, target)
        self._slots = asyncio.Semaphore(AT_ONCE)

    async def follow(self) -> None:
        """Look at every app, then at each app whose status changes, until cancelled."""
        with self._events.subscribe() as subscription:
            try:
                await self.sweep()
                await self._listen(subscription)
            finally:
                for task in self._tasks.values():
                    task.cancel()

    async def settled(self) -> None:
        """Return once every promotion started so far has ended."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _listen(self, subscription: Subscription) -> None:
        dropped = 0
        async for event in subscription:
            if subscription.dropped != dropped:  # events were lost: look at everything
                dropped = subscription.dropped
                await self.sweep()
            await self._guarded(event)

    async def sweep(self) -> None:
        for summary in await self._store.apps.list():
            await self._guarded(AppEvent(app=summary.name, kind="status"))

    async def _guarded(self, event: AppEvent) -> None:
        """One app's failure (a store hiccup, a bad annotation) is logged; the rest go on."""
        try:
            await self.heard(event)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # following must outlive any one app's trouble
            log.warning("automatic promotion: %s: %s", event.app, redact(str(err)))

    async def heard(self, event: AppEvent) -> None:
        """Start what ``event``'s app, as a target or as a source, now calls for."""
        if event.kind == "deleted":
            self._sources.pop(event.app, None)
            self._done.pop(event.app, None)
            return
        if event.kind != "status":
            return
        record = await self._read_app(event.app)
        if record is None:
            return
        source = _source_of(record)
        if source:
            self._sources[record.name] = source
            await self._consider(source, record.name)
        else:
            self._sources.pop(record.name, None)
            self._done.pop(record.name, None)
        for target in [t for t, s in self._sources.items() if s == record.name]:
            await self._consider(record.name, target, record)

    async def _consider(self, source: str, target: str, record: AppRecord | None = None) -> None:
        if not self._owns(target):  # another replica promotes into it
            return
        record = record or await self._read_app(source)
        if record is None or not _ready(record):
            return
        pair = (",".join(record.status.observed_revisions), target)
        if self._done.get(target) == (source, pair[0]) or pair in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(self._promote(source, target, pair))
        self._tasks[pair] = task

    async def _promote(self, source: str, target: str, pair: tuple[str, str]) -> None:
        try:
            async with self._slots:
                promoted = await self._promotions.promote(target, source, actor=AUTOMATED_PROMOTION)
            self._done[target] = (source, pair[0])
            log.info("%s: automatic promotion: %s", target, promoted.summary())
        except TransientError as error:
            log.warning("%s: automatic promotion from %s failed: %s", target, source, error)
        except GitwardError as error:
            await self._refused(source, target, pair, error)
        except Exception:  # a bug must not end following; the pair is not retried
            self._done[target] = (source, pair[0])
            log.exception("%s: automatic promotion from %s failed", target, source)
        finally:
            self._tasks.pop(pair, None)

    async def _refused(
        self, source: str, target: str, pair: tuple[str, str], error: GitwardError
    ) -> None:
        """Not tried again at this revision; logged, audited and shown among the target's
        events, so a person sees why the target did not follow."""
        self._done[target] = (source, pair[0])
        message = f"automatic promotion from {source} refused: {error.message}"
        log.warning("%s: %s", target, message)
        details = {"source": source, "sourceRevision": pair[0], "outcome": REFUSED}
        await self._store.audit.append(
            AUTOMATED_PROMOTION,
            AuditAction.PROMOTE,
            f"Application {target}",
            {**details, "message": message},
        )
        self._events.publish(
            AppEvent(
                app=target, kind="promotion", message=message, initiated_by=AUTOMATED_PROMOTION
            )
        )


def _source_of(record: AppRecord) -> str:
    metadata = record.document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    value = annotations.get(marks.PROMOTE_FROM) if isinstance(annotations, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() != record.name else ""


def _ready(record: AppRecord) -> bool:
    status = record.status
    return (
        status.sync_status == "Synced"
        and status.health_status == "Healthy"
        and bool(status.observed_revisions)
    )
