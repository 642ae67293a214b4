"""``store.notifications``: the notifications triggers asked for, as an outbox and a memory.

A notification is stored (pending) in the same transaction that records it as sent for its
trigger, so a restart delivers what was pending and never asks again for what was recorded.
Rows are keyed by the caller's digest of (app, trigger condition, once-per value, service,
recipient). Payloads are rendered texts; service credentials are never stored here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gitward.store.access import Context
from gitward.store.tables import NotificationRow

__all__ = ["Notifications", "PendingNotification", "StoredNotification"]

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
MEMO = "memo"
"""A row that is no notification: what a service needs to remember (Slack's first message of
a grouping key), under its own key; forgotten with the app like the rest."""


@dataclass(frozen=True)
class PendingNotification:
    """One notification to record as asked for and deliver."""

    key: str
    app: str
    trigger: str
    service: str
    recipient: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class StoredNotification:
    key: str
    app: str
    trigger: str
    service: str
    recipient: str
    payload: Mapping[str, Any]
    state: str
    attempts: int
    error: str


class Notifications:
    """``store.notifications``: record, forget, list pending, mark delivered or failed."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock

    async def known(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are recorded (pending, sent or failed)."""
        wanted = list(keys)
        if not wanted:
            return set()
        query = sa.select(NotificationRow.key).where(NotificationRow.key.in_(wanted))
        async with self._access.reading() as session:
            return set((await session.scalars(query)).all())

    async def record(
        self, added: Sequence[PendingNotification], forgotten: Sequence[str] = ()
    ) -> None:
        """Store ``added`` as pending and forget the delivered ``forgotten``, in one write."""
        if not added and not forgotten:
            return
        now = self._clock()
        async with self._access.writing() as session:
            if forgotten:
                await session.execute(
                    sa.delete(NotificationRow)
                    .where(NotificationRow.key.in_(list(forgotten)))
                    .where(NotificationRow.state != PENDING)
                )
            existing = set(
                (
                    await session.scalars(
                        sa.select(NotificationRow.key).where(
                            NotificationRow.key.in_([item.key for item in added])
                        )
                    )
                ).all()
            )
            for item in added:
                if item.key not in existing:
                    session.add(_row(item, now))

    async def forget_app(self, app: str) -> None:
        """Forget what was sent about a deleted app (a new app of that name starts afresh)."""
        async with self._access.writing() as session:
            await session.execute(
                sa.delete(NotificationRow)
                .where(NotificationRow.app == app)
                .where(NotificationRow.state != PENDING)
            )

    async def pending(self, limit: int = 100) -> list[StoredNotification]:
        """Pending notifications, oldest first."""
        query = (
            sa.select(NotificationRow)
            .where(NotificationRow.state == PENDING)
            .order_by(NotificationRow.created_at, NotificationRow.key)
            .limit(max(1, limit))
        )
        async with self._access.reading() as session:
            return [_stored(row) for row in (await session.scalars(query)).all()]

    async def recall(self, key: str) -> dict[str, Any] | None:
        """What :meth:`remember` kept under ``key``."""
        query = sa.select(NotificationRow.payload).where(
            NotificationRow.key == key, NotificationRow.state == MEMO
        )
        async with self._access.reading() as session:
            found = (await session.scalars(query)).first()
        return dict(found) if found is not None else None

    async def remember(self, key: str, *, app: str, service: str, value: Mapping[str, Any]) -> None:
        """Keep ``value`` under ``key`` (a digest of the caller's) for the app's lifetime."""
        now = self._clock()
        async with self._access.writing() as session:
            row = await session.get(NotificationRow, key)
            if row is not None:
                row.payload, row.updated_at = dict(value), now
                return
            session.add(
                NotificationRow(
                    key=key,
                    app=app,
                    trigger="",
                    service=service,
                    recipient="",
                    payload=dict(value),
                    state=MEMO,
                    attempts=0,
                    error="",
                    created_at=now,
                    updated_at=now,
                )
            )

    async def list(self, app: str | None = None) -> list[StoredNotification]:
        query = (
            sa.select(NotificationRow)
            .where(NotificationRow.state != MEMO)
            .order_by(NotificationRow.created_at)
        )
        if app is not None:
            query = query.where(NotificationRow.app == app)
        async with self._access.reading() as session:
            return [_stored(row) for row in (await session.scalars(query)).all()]

    async def attempting(self, key: str) -> int:
        """Count one more delivery attempt, before it is made; how many there have been. A
        process that stops during a delivery leaves the count behind, so a notification that
        keeps failing across restarts can be given up."""
        async with self._access.writing() as session:
            await session.execute(
                sa.update(NotificationRow)
                .where(NotificationRow.key == key)
                .values(attempts=NotificationRow.attempts + 1, updated_at=self._clock())
            )
            count = await session.scalar(
                sa.select(NotificationRow.attempts).where(NotificationRow.key == key)
            )
        return int(count or 0)

    async def refresh(self, keys: Iterable[str], older_than: timedelta) -> int:
        """Mark the finished records of ``keys`` (conditions that still hold) as current when
        they were last marked more than ``older_than`` ago, so :meth:`prune` keeps them."""
        wanted = list(keys)
        cutoff = self._clock() - older_than
        stale = (
            sa.select(NotificationRow.key)
            .where(NotificationRow.key.in_(wanted), NotificationRow.state.in_([SENT, FAILED]))
            .where(NotificationRow.updated_at < cutoff)
        )
        async with self._access.reading() as session:
            found = list((await session.scalars(stale)).all()) if wanted else []
        if found:
            async with self._access.writing() as session:
                await session.execute(
                    sa.update(NotificationRow)
                    .where(NotificationRow.key.in_(found))
                    .values(updated_at=self._clock())
                )
        return len(found)

    async def apps(self) -> set[str]:
        """The apps any row is about."""
        async with self._access.reading() as session:
            return set((await session.scalars(sa.select(NotificationRow.app).distinct())).all())

    async def prune(self, older_than: timedelta, gone: Iterable[str] = ()) -> int:
        """Forget what is finished (sent, failed, memos) and was last marked more than
        ``older_than`` ago, and everything finished about the ``gone`` apps; pending
        notifications are never pruned. How many rows went."""
        names = sorted(set(gone))
        finished = NotificationRow.state != PENDING
        async with self._access.writing() as session:
            old = sa.delete(NotificationRow).where(
                finished, NotificationRow.updated_at < self._clock() - older_than
            )
            removed = _count(await session.execute(old))
            for at in range(0, len(names), 500):
                of_gone = sa.delete(NotificationRow).where(
                    finished, NotificationRow.app.in_(names[at : at + 500])
                )
                removed += _count(await session.execute(of_gone))
        return removed

    async def finish(self, key: str, *, delivered: bool, attempts: int, error: str = "") -> None:
        """Mark a notification sent, or failed for good (``error`` already scrubbed)."""
        async with self._access.writing() as session:
            await session.execute(
                sa.update(NotificationRow)
                .where(NotificationRow.key == key)
                .values(
                    state=SENT if delivered else FAILED,
                    attempts=attempts,
                    error=error[:2000],
                    updated_at=self._clock(),
                )
            )


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _row(item: PendingNotification, now: datetime) -> NotificationRow:
    return NotificationRow(
        key=item.key,
        app=item.app,
        trigger=item.trigger,
        service=item.service,
        recipient=item.recipient,
        payload=dict(item.payload),
        state=PENDING,
        attempts=0,
        error="",
        created_at=now,
        updated_at=now,
    )


def _stored(row: NotificationRow) -> StoredNotification:
    return StoredNotification(
        key=row.key,
        app=row.app,
        trigger=row.trigger,
        service=row.service,
        recipient=row.recipient,
        payload=dict(row.payload),
        state=row.state,
        attempts=row.attempts,
        error=row.error,
    )
