"""Changes across replicas: PostgreSQL ``LISTEN/NOTIFY`` carries each commit to the others.

Every write transaction on PostgreSQL ends, just before its commit, with one ``pg_notify`` on
:data:`CHANNEL` naming what it changed (the kinds and names of its noted changes, never their
contents: a payload stays far below PostgreSQL's 8,000-byte limit, and a larger one says
``all``). PostgreSQL delivers a notification only if its transaction commits, in commit order,
to every session listening. :class:`Feed` is that session for one replica: it publishes what the
*other* replicas committed as :class:`~gitward.store.changes.Remote` changes on the store's
change feed, at once, so a sync requested through one replica's API reaches the app's owner
without waiting for its next cycle. When the listening connection drops, changes may be
missed: after reconnecting it publishes ``Remote("all")`` (look at everything again).

It must not read or write any record: listeners read what they need.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import typing
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.redaction import redact_url
from gitward.store.changes import (
    AppDeleted,
    AppStatusChanged,
    AppWritten,
    Change,
    Changes,
    ClusterChanged,
    OperationWritten,
    ProjectDeleted,
    ProjectWritten,
    Remote,
    RemoteKind,
    ReplicasChanged,
    RepoChanged,
)

__all__ = ["CHANNEL", "Feed", "notify"]

log = logging.getLogger(__name__)

CHANNEL = "gitward_changes"
_MAX_PAYLOAD = 7000
_CHECK_S = 5.0
_RETRY_CAP_S = 10.0
_KINDS: dict[str, RemoteKind] = {kind: kind for kind in typing.get_args(RemoteKind)}


def _named(change: Change) -> tuple[RemoteKind, str] | None:
    kind: RemoteKind
    match change:
        case AppWritten(record=record):
            kind, name = "app", record.name
        case AppStatusChanged() | AppDeleted():
            kind, name = (
                ("status" if isinstance(change, AppStatusChanged) else "deleted"),
                change.name,
            )
        case OperationWritten(record=operation):
            kind, name = "operation", operation.app
        case ProjectWritten(record=project):
            kind, name = "project", project.name
        case ProjectDeleted():
            kind, name = "project", change.name
        case ReplicasChanged():
            kind, name = "replicas", ""
        case ClusterChanged(server=server):
            kind, name = "cluster", server
        case RepoChanged(url=url):
            kind, name = "repo", url
        case _:
            return None
    return kind, name


def payload(origin: str, changes: Sequence[Change]) -> str | None:
    """The notification for ``changes`` (None: nothing another replica must know)."""
    named = sorted({found for change in changes if (found := _named(change)) is not None})
    if not named:
        return None
    text = json.dumps({"o": origin, "c": named}, separators=(",", ":"))
    if len(text) > _MAX_PAYLOAD:
        text = json.dumps({"o": origin, "c": [["all", ""]]}, separators=(",", ":"))
    return text


def parse(text: str) -> tuple[str, list[Remote]]:
    """The origin and changes of a notification; an unreadable one means ``all``."""
    try:
        found = json.loads(text)
        changes = [Remote(_KINDS[kind], str(name)) for kind, name in found["c"] if kind in _KINDS]
        return str(found["o"]), changes
    except (ValueError, KeyError, TypeError):
        return "", [Remote("all")]


async def ask_refresh(session: AsyncSession, origin: str, app: str) -> None:
    """Ask the replica that owns ``app`` to refresh it now (a notification, no write)."""
    text = json.dumps({"o": origin, "c": [["refresh", app]]}, separators=(",", ":"))
    await session.execute(
        sa.text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": text}
    )


async def notify(session: AsyncSession, origin: str, changes: Sequence[Change]) -> None:
    """Tell the other replicas, when ``session``'s transaction commits, what it changed."""
    text = payload(origin, changes)
    if text is not None:
        await session.execute(
            sa.text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": text},
        )


class Feed:
    """One replica's ``LISTEN`` session, publishing the other replicas' changes."""

    def __init__(self, url: sa.URL, origin: str, changes: Changes) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._shown = redact_url(url.render_as_string(hide_password=True))
        self.origin = origin
        self._changes = changes
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, within: float = 10.0) -> None:
        """Listen in the background; returns once listening (or after ``within`` seconds,
        still trying)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="gitward-feed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), within)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay, first = 0.5, True
        while True:
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError, TimeoutError) as err:
                log.warning("cannot listen to %s for changes (%s); retrying", self._shown, err)
            else:
                try:
                    await self._listen(connection, catch_up=not first)
                    first, delay = False, 0.5
                finally:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RETRY_CAP_S)

    async def _listen(self, connection: Any, *, catch_up: bool) -> None:
        """Listen until the connection fails a check."""
        await connection.add_listener(CHANNEL, self._heard)
        self.connected.set()
        if catch_up:
            self._changes.publish([Remote("all")])
        try:
            while True:
                await asyncio.sleep(_CHECK_S)
                await asyncio.wait_for(connection.fetchval("SELECT 1"), _CHECK_S)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as err:
            log.warning("lost the change feed of %s (%s); reconnecting", self._shown, err)
        finally:
            self.connected.clear()

    def _heard(self, _connection: object, _pid: int, _channel: str, text: object) -> None:
        origin, changes = parse(str(text))
        if origin != self.origin:
            self._changes.publish(changes)


def new_origin() -> str:
    """A name for this process's writes, so that its own notifications are skipped."""
    return uuid.uuid4().hex
