"""Deployment history per app: what was deployed, when, by whom, and how it ended.

Ids count up per app and are never reused (a rollback names one). Each insert trims the app's
history to its ``revisionHistoryLimit`` (10 unless the Application says otherwise), oldest first,
in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from gitward.errors import Location
from gitward.store.access import Context
from gitward.store.failures import RecordNotFoundError
from gitward.store.records import HistoryEntry, Json, OperationPhase
from gitward.store.tables import AppRow, HistoryRow
from gitward.store.values import aware, json_value

__all__ = ["History"]


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
        async with self._access.writing() as session:
            owner = await session.get(AppRow, app, with_for_update=True)
            if owner is None:
                raise RecordNotFoundError(
                    "no such application", where=where, hint="upsert the app first"
                )
            owner.history_seq += 1
            row = HistoryRow(
                app=app,
                seq=owner.history_seq,
                revision=revision,
                commit_sha=commit_sha,
                source=json_value(source, where.at("source")),
                deployed_at=aware(deployed_at, where.at("deployedAt")) or self._clock(),
                initiated_by=initiated_by,
                phase=OperationPhase(phase).value,
                message=message,
            )
            session.add(row)
            await session.flush()
            entry = _entry(row)
            await session.execute(
                sa.delete(HistoryRow).where(
                    HistoryRow.app == app, HistoryRow.seq <= owner.history_seq - owner.history_limit
                )
            )
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
