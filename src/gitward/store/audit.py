"""The audit log: who did what to which object, and when. Append-only.

This module offers no way to change or remove an entry, and the database refuses UPDATE and
DELETE on the table through triggers (on SQLite and PostgreSQL alike). Details are scrubbed of
secrets before they are written: values under secret-looking keys and credentials inside URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from gitward.errors import Location
from gitward.store.access import Context
from gitward.store.failures import StoreConfigError
from gitward.store.records import AuditAction, AuditEntry, Json
from gitward.store.tables import AuditRow, table_of
from gitward.store.values import aware, json_value, scrub_details

__all__ = ["Audit"]

DEFAULT_PAGE = 100


_AUDIT = table_of(AuditRow)
_APPEND = sa.insert(_AUDIT).returning(_AUDIT.c.id)
"""One Core statement per entry (every sync appends one) on the table: no ORM flush, no ORM
bulk-insert machinery."""


class Audit:
    """``store.audit``: append, list."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock

    async def append(
        self,
        actor: str,
        action: AuditAction | str,
        target: str,
        details: Mapping[str, Json] | None = None,
    ) -> AuditEntry:
        """Record that ``actor`` did ``action`` to ``target`` (``"Application guestbook"``)."""
        where = Location(obj=f"audit entry for {target}")
        verb = _action(action, where)
        values = {
            "at": self._clock(),
            "actor": actor,
            "action": verb.value,
            "target": target,
            "details": json_value(scrub_details(details or {}), where.at("details")),
        }
        async with self._access.writing() as session:
            entry_id = (await session.execute(_APPEND, values)).scalar_one()
        return AuditEntry(
            id=int(entry_id),
            at=values["at"],
            actor=actor,
            action=verb,
            target=target,
            details=values["details"],
        )

    async def list(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        action: AuditAction | str | None = None,
        since: datetime | None = None,
        before_id: int | None = None,
        limit: int = DEFAULT_PAGE,
    ) -> list[AuditEntry]:
        """Entries newest first; page backwards with ``before_id`` (the last id seen)."""
        query = sa.select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, limit))
        if target is not None:
            query = query.where(AuditRow.target == target)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action is not None:
            query = query.where(AuditRow.action == _action(action, Location()).value)
        if since is not None:
            query = query.where(AuditRow.at >= aware(since, Location(field="since")))
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        async with self._access.reading() as session:
            return [_entry(row) for row in (await session.scalars(query)).all()]


def _action(action: AuditAction | str, where: Location) -> AuditAction:
    try:
        return AuditAction(action)
    except ValueError:
        raise StoreConfigError(
            f"unknown audit action {action!r}",
            where=where.at("action"),
            hint=f"use one of {', '.join(a.value for a in AuditAction)}",
        ) from None


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=AuditAction(row.action),
        target=row.target,
        details=row.details,
    )
