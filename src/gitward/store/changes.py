"""What the store changed: committed writes of apps, projects and operations, as values.

A reader that keeps its own copy of records (the controller keeps every app it reconciles in
memory, as Argo CD's controller keeps an informer cache) learns here what it must update.
A write transaction notes its changes as it makes them; they are published to every listener
once, after it commits; a transaction that rolls back publishes nothing. On SQLite, writes
commit one at a time under the store's lock and are published under it, so in commit order; on
PostgreSQL, two transactions on the same row are ordered by its lock and the later one needs
more round trips to commit, so their publications follow commit order in practice, and a
reader should still compare versions. A task cancelled while its commit is in flight may
commit without publishing: readers that keep copies must catch up now and then anyway.
Listeners are plain functions called on the event loop: they must be quick and must not raise
(an error is logged and dropped).

This process's writes arrive as values. On PostgreSQL, once a replica follows the others
(:mod:`gitward.store.feed`), their committed writes arrive too, as :class:`Remote` changes that
only name what changed (read it again); without that, a reader that must notice other
processes' writes compares versions now and then (:class:`~gitward.store.records.AppSummary`
has them). It must not publish anything that was not committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from gitward.store.records import AppRecord, AppStatus, OperationRecord, ProjectRecord

__all__ = [
    "APP_KINDS",
    "AppDeleted",
    "AppStatusChanged",
    "AppWritten",
    "Change",
    "Changes",
    "ClusterChanged",
    "OperationWritten",
    "ProjectDeleted",
    "ProjectWritten",
    "Remote",
    "RemoteKind",
    "ReplicasChanged",
    "RepoChanged",
    "note",
    "pending",
]

log = logging.getLogger(__name__)

_PENDING = "gitward.changes"


@dataclass(frozen=True, slots=True)
class AppWritten:
    """An app was created or its definition replaced: the record as committed."""

    record: AppRecord


@dataclass(frozen=True, slots=True)
class AppStatusChanged:
    """An app's status was written; the app is now at ``version``."""

    name: str
    status: AppStatus
    version: int


@dataclass(frozen=True, slots=True)
class AppDeleted:
    """An app is gone, and its operations and history with it."""

    name: str


@dataclass(frozen=True, slots=True)
class ProjectWritten:
    record: ProjectRecord


@dataclass(frozen=True, slots=True)
class ProjectDeleted:
    name: str


@dataclass(frozen=True, slots=True)
class OperationWritten:
    """An operation started, stepped, was asked to terminate or finished."""

    record: OperationRecord


@dataclass(frozen=True, slots=True)
class ClusterChanged:
    """A cluster was registered, changed or removed through the API (``server``: its URL)."""

    server: str


@dataclass(frozen=True, slots=True)
class RepoChanged:
    """A repository's settings or credentials were written or removed."""

    url: str


@dataclass(frozen=True, slots=True)
class ReplicasChanged:
    """A replica joined or left (or its expired lease was removed)."""


RemoteKind = Literal[
    "app",
    "status",
    "operation",
    "deleted",
    "project",
    "all",
    "refresh",
    "replicas",
    "cluster",
    "repo",
]
APP_KINDS: frozenset[RemoteKind] = frozenset({"app", "status", "operation", "deleted"})
"""The kinds of :class:`Remote` change whose ``name`` is an app's."""


@dataclass(frozen=True, slots=True)
class Remote:
    """Another replica committed a change of ``name`` (an app; a project for ``project``):
    read it again. ``all``: changes may have been missed (the feed reconnected), look again
    at everything. ``refresh``: a person asked for a hard refresh of app ``name`` through
    another replica (nothing was written). ``replicas``: a replica joined or left. ``cluster``
    and ``repo``: a cluster (by server URL) or a repository (by URL) was written or removed."""

    kind: RemoteKind
    name: str = ""


Change = (
    AppWritten
    | AppStatusChanged
    | AppDeleted
    | ProjectWritten
    | ProjectDeleted
    | OperationWritten
    | ReplicasChanged
    | ClusterChanged
    | RepoChanged
    | Remote
)
Listener = Callable[[Change], None]


def note(session: AsyncSession, *changes: Change) -> None:
    """Record changes made in ``session``'s transaction, for publication after its commit."""
    pending: list[Change] = session.info.setdefault(_PENDING, [])
    pending.extend(changes)


def pending(session: AsyncSession) -> list[Change]:
    """The changes recorded in ``session`` so far, kept there."""
    found: list[Change] = session.info.get(_PENDING, [])
    return found


def noted(session: AsyncSession) -> list[Change]:
    """The changes recorded in ``session`` so far, forgotten there."""
    pending: list[Change] = session.info.pop(_PENDING, [])
    return pending


class Changes:
    """The store's listeners, and the publication of committed changes to them."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every committed change from now on; returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self, changes: Sequence[Change]) -> None:
        for change in changes:
            for listener in tuple(self._listeners):
                try:
                    listener(change)
                except Exception:  # one listener's bug must not undo a committed write
                    log.exception("a store listener failed on %s", type(change).__name__)
