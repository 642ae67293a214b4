"""What a reconcile reads of the store: apps, their children, their latest operation, projects.

Every refresh of every app needs the app's record, its latest operation, every project and the
names of its children. Read from the database each time, that is five transactions per app per
cycle, more than half of a no-op cycle's CPU. :class:`CachedReads` keeps them in memory instead,
as Argo CD's controller keeps an informer cache: it loads a record the first time it is asked,
and the store's change feed (:mod:`gitward.store.changes`) keeps it current from then on, the
controller's own status writes included. Writes by another process are not in that feed, so
:meth:`CachedReads.resync` (every reconciliation cycle, from the app list the cycle reads anyway)
drops every record whose version moved and reloads the projects.

:class:`DirectReads` reads the database every time (tools that look once, and tests).
Neither may write: writes go to the store, and come back through its change feed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Protocol

from gitward.store import AppRecord, AppSummary, OperationRecord, ProjectRecord, Store
from gitward.store.changes import (
    AppDeleted,
    AppStatusChanged,
    AppWritten,
    Change,
    OperationWritten,
    ProjectDeleted,
    ProjectWritten,
)

__all__ = ["CachedReads", "DirectReads", "StoreReads"]


class StoreReads(Protocol):
    async def app(self, name: str) -> AppRecord | None: ...

    async def children(self, parent: str) -> list[str]:
        """The names of ``parent``'s child apps, sorted."""
        ...

    async def latest_operation(self, app: str) -> OperationRecord | None: ...

    async def projects(self) -> list[ProjectRecord]: ...


async def current_operation(reads: StoreReads, app: str) -> OperationRecord | None:
    """The app's live operation: its latest, if that is not finished (there is one at most)."""
    latest = await reads.latest_operation(app)
    return latest if latest is not None and not latest.phase.completed else None


class DirectReads:
    """Every read a database read."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def app(self, name: str) -> AppRecord | None:
        return await self._store.apps.get(name)

    async def children(self, parent: str) -> list[str]:
        return [summary.name for summary in await self._store.apps.list(parent=parent)]

    async def latest_operation(self, app: str) -> OperationRecord | None:
        return await self._store.operations.latest(app)

    async def projects(self) -> list[ProjectRecord]:
        return await self._store.projects.list()


class CachedReads:
    """The store's apps, operations and projects as this process last saw them committed.

    It keeps nothing until :meth:`open` (it reads the database every time, as
    :class:`DirectReads`), and forgets everything at :meth:`close`. A load that a change
    overtakes (the record changed while it was read) is returned but not kept, so that it never
    hides the newer record.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._direct = DirectReads(store)
        self._apps: dict[str, AppRecord] = {}
        self._latest: dict[str, OperationRecord | None] = {}
        self._projects: list[ProjectRecord] | None = None
        self._parents: dict[str, str | None] | None = None  # every app's parent, once listed
        self._seq = 0  # counts changes heard
        self._changes: dict[str, int] = {}  # per app name: the last change heard of it
        self._project_changes = 0  # the last change heard of any project
        self._opened = 0  # when the cache last opened
        self._unsubscribe: Callable[[], None] | None = None

    def open(self) -> None:
        """Listen to the store's changes, and keep what is read from now on."""
        if self._unsubscribe is None:
            self._unsubscribe = self._store.changes.subscribe(self._heard)
            self._seq += 1
            self._opened = self._seq

    def close(self) -> None:
        """Stop listening, and forget everything kept."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._apps.clear()
        self._latest.clear()
        self._projects = self._parents = None

    # -- reads -----------------------------------------------------------------------------------

    async def app(self, name: str) -> AppRecord | None:
        if (cached := self._apps.get(name)) is not None:
            return cached
        begun = self._seq
        record = await self._direct.app(name)
        if record is not None and self._keeps(name, begun):
            self._apps[name] = record
        return record

    async def children(self, parent: str) -> list[str]:
        if self._parents is None:
            return await self._direct.children(parent)
        return sorted(name for name, of in self._parents.items() if of == parent)

    async def latest_operation(self, app: str) -> OperationRecord | None:
        if app in self._latest:
            return self._latest[app]
        begun = self._seq
        latest = await self._direct.latest_operation(app)
        if self._keeps(app, begun):
            self._latest[app] = latest
        return latest

    async def projects(self) -> list[ProjectRecord]:
        if self._projects is not None:
            return self._projects
        begun = self._seq
        projects = await self._direct.projects()
        if self._unsubscribe is not None and max(self._opened, self._project_changes) <= begun:
            self._projects = projects
        return projects

    def _keeps(self, name: str, begun: int) -> bool:
        """Whether a load of ``name`` begun when the feed was at ``begun`` may be kept: nothing
        changed it since, and the cache was open all along."""
        opened_before = self._unsubscribe is not None and self._opened <= begun
        return opened_before and self._changes.get(name, 0) <= begun

    def mark(self) -> int:
        """Where the change feed is now: pass it to :meth:`resync` with a list read after it."""
        return self._seq

    def resync(self, summaries: Iterable[AppSummary], *, since: int) -> None:
        """Catch up with writes made elsewhere, given every app's summary as listed after
        :meth:`mark` returned ``since`` (what changed here after that is newer than the list)."""
        if self._unsubscribe is None:
            return
        listed = {summary.name: summary for summary in summaries}
        self._parents = self._parents_after(listed, since)
        for name in {*self._apps, *self._latest}:
            if self._changes.get(name, 0) > since:
                continue
            summary = listed.get(name)
            record = self._apps.get(name)
            if summary is None or (record is not None and summary.version != record.version):
                self._forget(name)
        self._projects = None
        self._seq += 1
        self._project_changes = self._seq

    def _parents_after(self, listed: dict[str, AppSummary], since: int) -> dict[str, str | None]:
        known = self._parents
        parents = {
            name: summary.parent
            for name, summary in listed.items()
            if known is None or name in known or self._changes.get(name, 0) <= since
        }
        for name, parent in (known or {}).items():
            if self._changes.get(name, 0) > since:
                parents[name] = parent
        return parents

    # -- the change feed -------------------------------------------------------------------------

    def _heard(self, change: Change) -> None:
        if isinstance(change, AppWritten):
            self._app_written(change.record)
        elif isinstance(change, AppStatusChanged):
            self._status_changed(change)
        elif isinstance(change, AppDeleted):
            self._forget(change.name)
            if self._parents is not None:
                self._parents.pop(change.name, None)
        elif isinstance(change, OperationWritten):
            self._operation_written(change.record)
        elif isinstance(change, ProjectWritten | ProjectDeleted):
            self._projects = None
            self._seq += 1
            self._project_changes = self._seq

    def _app_written(self, record: AppRecord) -> None:
        self._touch(record.name)
        cached = self._apps.get(record.name)
        if cached is None or cached.version < record.version:
            self._apps[record.name] = record
        if self._parents is not None:
            self._parents[record.name] = record.parent

    def _status_changed(self, change: AppStatusChanged) -> None:
        self._touch(change.name)
        cached = self._apps.get(change.name)
        if cached is None or cached.version >= change.version:
            return
        if cached.version == change.version - 1:
            self._apps[change.name] = replace(cached, status=change.status, version=change.version)
        else:  # a write in between that this process did not see: read it again when asked
            del self._apps[change.name]

    def _operation_written(self, record: OperationRecord) -> None:
        self._touch(record.app)
        cached = self._latest.get(record.app)
        if cached is not None and cached.id == record.id and cached.updated_at > record.updated_at:
            return  # an older step of the same operation, published late
        # One live operation per app: whatever was just written is the app's latest.
        self._latest[record.app] = record

    def _forget(self, name: str) -> None:
        self._touch(name)
        self._apps.pop(name, None)
        self._latest.pop(name, None)

    def _touch(self, name: str) -> None:
        self._seq += 1
        self._changes[name] = self._seq
