"""Deployment history per app: what was deployed, when, by whom, and how it ended.

Ids count up per app and are never reused (a rollback names one). An insert that takes the app
past its ``revisionHistoryLimit`` (10 unless the Application says otherwise) trims the oldest
entries in the same transaction, in one statement. Every refresh that syncs ends here, so a
record is three Core statements on the tables (take the id, insert, trim when over) and goes
through no ORM machinery.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa

from gitward.errors import Location
from gitward.store.access import Context
from gitward.store.failures import RecordNotFoundError
from gitward.store.records import HistoryEntry, Json, OperationPhase
from gitward.store.tables import AppRow, HistoryRow, table_of
from gitward.store.values import aware, json_value

__all__ = ["History"]


_APPS = table_of(AppRow)
_HISTORY = table_of(HistoryRow)
_NEXT_ID = (
    sa.update(_APPS)
    .where(_APPS.c.name == sa.bindparam("app_name"))
    .values(history_seq=_APPS.c.history_seq + 1)
    .returning(_APPS.c.history_seq, _APPS.c.history_limit)
)
"""Takes the app's next history id (and its limit) in one statement, locking the app row."""
_INSERT = sa.insert(_HISTORY)
_TRIM = (
    sa.delete(_HISTORY)
    .where(_HISTORY.c.app == sa.bindparam("app_name"))
    .where(_HISTORY.c.seq <= sa.bindparam("last_dropped"))
)


class History:
    """``store.history``: record, list, get."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock

    async def record(
        self,
        app: str,
        *,
        revision: str,
        commit_sha: str,
        source: Json,
        initiated_by: str,
        phase: OperationPhase = OperationPhase.SUCCEEDED,
        message: str = "",
        deployed_at: datetime | None = None,
    ) -> HistoryEntry:
        """Add a deployment to the app's history and drop what falls past its limit."""
        where = Location(obj=f"Application {app}", field="status.history")
        entry = HistoryEntry(
            app=app,
            id=0,  # the next id, taken below under the app row's write lock
            revision=revision,
            commit_sha=commit_sha,
            source=json_value(source, where.at("source")),
            deployed_at=aware(deployed_at, where.at("deployedAt")) or self._clock(),
            initiated_by=initiated_by,
            phase=OperationPhase(phase),
            message=message,
        )
        async with self._access.writing() as session:
            counted = (await session.execute(_NEXT_ID, {"app_name": app})).one_or_none()
            if counted is None:
                raise RecordNotFoundError(
                    "no such application", where=where, hint="upsert the app first"
                )
            seq, limit = counted
            entry = replace(entry, id=seq)
            await session.execute(_INSERT, _row_values(entry))
            if seq > limit:  # only then does an entry fall past the limit: all go at once
                await session.execute(_TRIM, {"app_name": app, "last_dropped": seq - limit})
            return entry

    async def list(self, app: str) -> list[HistoryEntry]:
        """The app's history, newest first."""
        query = sa.select(HistoryRow).where(HistoryRow.app == app).order_by(HistoryRow.seq.desc())
        async with self._access.reading() as session:
            return [_entry(row) for row in (await session.scalars(query)).all()]

    async def get(self, app: str, entry_id: int) -> HistoryEntry | None:
        query = sa.select(HistoryRow).where(HistoryRow.app == app, HistoryRow.seq == entry_id)
        async with self._access.reading() as session:
            row = await session.scalar(query)
            return None if row is None else _entry(row)


def _row_values(entry: HistoryEntry) -> dict[str, object]:
    return {
        "app": entry.app,
        "seq": entry.id,
        "revision": entry.revision,
        "commit_sha": entry.commit_sha,
        "source": entry.source,
        "deployed_at": entry.deployed_at,
        "initiated_by": entry.initiated_by,
        "phase": entry.phase.value,
        "message": entry.message,
    }


def _entry(row: HistoryRow) -> HistoryEntry:
    return HistoryEntry(
        app=row.app,
        id=row.seq,
        revision=row.revision,
        commit_sha=row.commit_sha,
        source=row.source,
        deployed_at=row.deployed_at,
        initiated_by=row.initiated_by,
        phase=OperationPhase(row.phase),
        message=row.message,
    )
