"""What a reconcile reads of the store: apps, their children, their latest operation, projects.

Every refresh of every app needs the app's record, its latest operation, every project and the
names of its children. Read from the database each time, that is five transactions per app per
cycle, more than half of a no-op cycle's CPU. :class:`CachedReads` keeps them in memory instead,
as Argo CD's controller keeps an informer cache: it loads a record the first time it is asked,
and the store's change feed (:mod:`gitward.store.changes`) keeps it current from then on, the
controller's own status writes included. Writes by another process are not in that feed (nor
one whose commit was cancelled before it could be published), so :meth:`CachedReads.resync`,
every reconciliation cycle, compares the app list the cycle reads anyway and the live operations
with what it keeps, drops whatever moved, and reloads the projects.

:class:`DirectReads` reads the database every time (tools that look once, and tests).
Neither may write: writes go to the store, and come back through its change feed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Protocol

from gitward.model.project import AppProject, parse_project
from gitward.store import AppRecord, AppSummary, OperationRecord, ProjectRecord, Store
from gitward.store.changes import (
    APP_KINDS,
    AppDeleted,
    AppStatusChanged,
    AppWritten,
    Change,
    OperationWritten,
    ProjectDeleted,
    ProjectWritten,
    Remote,
)

__all__ = ["CachedReads", "DirectReads", "StoreReads"]


class StoreReads(Protocol):
    async def app(self, name: str) -> AppRecord | None: ...

    async def children(self, parent: str) -> list[str]:
        """The names of ``parent``'s child apps, sorted."""
        ...

    async def latest_operation(self, app: str) -> OperationRecord | None: ...

    async def projects(self) -> list[ProjectRecord]: ...

    async def project(self, name: str) -> AppProject | None:
        """The stored project ``name``, parsed (None: not stored); ManifestError if it does not
        parse."""
        ...


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

    async def project(self, name: str) -> AppProject | None:
        stored = await self._store.projects.get(name)
        return None if stored is None else _parsed(stored)


class _Family:
    """Every app's parent, and each parent's children: complete once :meth:`relist` ran.

    Changes heard before the first list are recorded too, so that the list (a snapshot that
    may be older than them) never overrides them.
    """

    def __init__(self) -> None:
        self.complete = False
        self._parents: dict[str, str | None] = {}
        self._children: dict[str | None, set[str]] = {}
        self._deleted: set[str] = set()  # deleted since the list this index was built from

    def children(self, parent: str) -> list[str]:
        return sorted(self._children.get(parent, ()))

    def parent(self, name: str) -> str | None:
        return self._parents.get(name)

    def written(self, name: str, parent: str | None) -> None:
        self._deleted.discard(name)
        self._place(name, parent)

    def deleted(self, name: str) -> None:
        self._deleted.add(name)
        self._unplace(name)

    def relist(
        self, listed: Mapping[str, str | None], changed_since: Callable[[str], bool]
    ) -> None:
        """Rebuild from a list, except for the names changed since it was read."""
        parents = {
            name: parent
            for name, parent in listed.items()
            if not changed_since(name) or name not in self._deleted
        }
        for name, parent in self._parents.items():
            if changed_since(name):
                parents[name] = parent
        self._parents, self._children = {}, {}
        for name, parent in parents.items():
            self._place(name, parent)
        self._deleted = {name for name in self._deleted if changed_since(name)}
        self.complete = True

    def _place(self, name: str, parent: str | None) -> None:
        self._unplace(name)
        self._parents[name] = parent
        self._children.setdefault(parent, set()).add(name)

    def _unplace(self, name: str) -> None:
        if name in self._parents:
            siblings = self._children.get(self._parents.pop(name))
            if siblings is not None:
                siblings.discard(name)


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
        self._parsed: dict[str, tuple[int, AppProject]] = {}  # project name: (version, parsed)
        self._family = _Family()
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
        self._projects = None
        self._parsed.clear()
        self._family = _Family()
        self._changes.clear()

    # -- reads -----------------------------------------------------------------------------------

    async def app(self, name: str) -> AppRecord | None:
        if (cached := self._apps.get(name)) is not None:
            return cached
        begun = self._seq
        record = await self._direct.app(name)
        if record is not None and self._keeps(name, begun):
            self._apps[name] = record
            self._family.written(name, record.parent)
        return record

    async def children(self, parent: str) -> list[str]:
        if not self._family.complete:
            return await self._direct.children(parent)
        return self._family.children(parent)

    def parent_of(self, name: str) -> str | None:
        """``name``'s parent app as last seen (None: a root app, or not seen)."""
        return self._family.parent(name)

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

    async def project(self, name: str) -> AppProject | None:
        """Parsed once per version: every refresh of every app reads its project, and a
        project's sync windows cost about 0.2 ms each to parse (their cron schedules)."""
        stored = next((p for p in await self.projects() if p.name == name), None)
        if stored is None:
            return None
        kept = self._parsed.get(name)
        if kept is not None and kept[0] == stored.version:
            return kept[1]
        project = _parsed(stored)
        self._parsed[name] = (stored.version, project)
        return project

    def _keeps(self, name: str, begun: int) -> bool:
        """Whether a load of ``name`` begun when the feed was at ``begun`` may be kept: nothing
        changed it since, and the cache was open all along."""
        opened_before = self._unsubscribe is not None and self._opened <= begun
        return opened_before and self._changes.get(name, 0) <= begun

    # -- catching up -----------------------------------------------------------------------------

    def mark(self) -> int:
        """Where the change feed is now: pass it to :meth:`resync` with lists read after it."""
        return self._seq

    def resync(
        self,
        summaries: Iterable[AppSummary],
        running: Iterable[OperationRecord],
        *,
        since: int,
    ) -> None:
        """Catch up with writes this process did not hear of (another process's, or one whose
        commit was cancelled before it could be published), given every app's summary and
        every live operation as read after :meth:`mark` returned ``since``. What changed here
        after that is newer than the lists and stays."""
        if self._unsubscribe is None:
            return
        listed = {summary.name: summary for summary in summaries}
        live = {operation.app: operation.id for operation in running}

        def changed_since(name: str) -> bool:
            return self._changes.get(name, 0) > since

        self._family.relist({n: s.parent for n, s in listed.items()}, changed_since)
        stale = [
            name
            for name in {*self._apps, *self._latest}
            if not changed_since(name) and self._moved(name, listed.get(name), live.get(name))
        ]
        for name in stale:
            self._forget(name)
        self._projects = None
        self._seq += 1
        self._project_changes = self._seq

    def _moved(self, name: str, summary: AppSummary | None, live_id: str | None) -> bool:
        """Whether what is kept of ``name`` disagrees with the lists."""
        if summary is None:
            return True
        record = self._apps.get(name)
        if record is not None and record.version != summary.version:
            return True
        if name not in self._latest:
            return False
        latest = self._latest[name]
        kept_live = latest.id if latest is not None and not latest.phase.completed else None
        return kept_live != live_id

    # -- the change feed -------------------------------------------------------------------------

    def _heard(self, change: Change) -> None:
        if isinstance(change, AppWritten):
            self._app_written(change.record)
        elif isinstance(change, AppStatusChanged):
            self._status_changed(change)
        elif isinstance(change, AppDeleted):
            self._forget(change.name)
            self._family.deleted(change.name)
        elif isinstance(change, OperationWritten):
            self._operation_written(change.record)
        elif isinstance(change, ProjectWritten | ProjectDeleted):
            self._projects_changed()
        elif isinstance(change, Remote):
            self._remote(change)

    def _projects_changed(self) -> None:
        self._projects = None
        self._seq += 1
        self._project_changes = self._seq

    def _remote(self, change: Remote) -> None:
        """Another replica committed a change: forget what is kept of it (read it again)."""
        if change.kind == "project":
            self._projects_changed()
        elif change.kind == "all":
            for name in {*self._apps, *self._latest}:
                self._forget(name)
            self._projects_changed()
        elif change.kind == "deleted":
            self._forget(change.name)
            self._family.deleted(change.name)
        elif change.kind in APP_KINDS:
            self._forget(change.name)

    def _app_written(self, record: AppRecord) -> None:
        self._touch(record.name)
        cached = self._apps.get(record.name)
        if cached is None or cached.version < record.version:
            self._apps[record.name] = record
        if record.version == 1:  # just made: no operation yet (an older one went with the app)
            self._latest.setdefault(record.name, None)
        self._family.written(record.name, record.parent)

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
        if cached is not None and _older(record, than=cached):
            return
        self._latest[record.app] = record

    def _forget(self, name: str) -> None:
        self._touch(name)
        self._apps.pop(name, None)
        self._latest.pop(name, None)

    def _touch(self, name: str) -> None:
        self._seq += 1
        self._changes[name] = self._seq


def _older(record: OperationRecord, *, than: OperationRecord) -> bool:
    """Whether ``record`` (published late) is older than the kept ``than``. An app has one
    live operation at most and a finished one never runs again, so no clock is needed: a
    finished record is newer than a live one of the same operation, and while an operation
    is live, what is published of another one is older news."""
    kept = than
    if record.id == kept.id:
        return kept.phase.completed and not record.phase.completed
    return not kept.phase.completed and record.phase.completed


def _parsed(stored: ProjectRecord) -> AppProject:
    return parse_project(dict(stored.document), file=stored.file).value
