"""ApplicationSets created through the API, kept as given, with what their last expansion kept.

The controller expands each stored set on every cycle and writes the Applications it generates
as apps of their own (owner reference to the set, no parent); :meth:`AppSets.set_status` keeps
the set's conditions and generated apps for the API. A set a parent app declares is not stored
here: it lives in the parent's manifests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gitward.errors import Location
from gitward.store.access import Context, check_version, flush_new
from gitward.store.failures import StoreConfigError
from gitward.store.tables import AppSetRow
from gitward.store.values import json_value

__all__ = ["AppSetRecord", "AppSets"]


@dataclass(frozen=True)
class AppSetRecord:
    """A stored ApplicationSet: the document as given and the status last recorded."""

    name: str
    project: str
    document: Mapping[str, Any]
    status: Mapping[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class AppSets:
    """``store.appsets``: upsert, get, list, set_status, delete."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock

    async def upsert(
        self,
        name: str,
        project: str,
        document: Mapping[str, Any],
        *,
        expected_version: int | None = None,
    ) -> AppSetRecord:
        """Write the set; ``expected_version`` 0 refuses one that exists (a create)."""
        where = Location(obj=f"ApplicationSet {name}")
        if not name or len(name) > 253:
            raise StoreConfigError(
                "an ApplicationSet needs a name of 1 to 253 characters",
                where=where.at("metadata.name"),
                hint="name the ApplicationSet",
            )
        value = json_value(dict(document), where)
        now = self._clock()
        async with self._access.writing() as session:
            row = await session.get(AppSetRow, name, with_for_update=True)
            if row is None:
                check_version(0, expected_version or 0, where)
                row = AppSetRow(name=name, project=project, document=value, status={})
                row.version, row.created_at, row.updated_at = 1, now, now
                await flush_new(session, row, where)
            else:
                check_version(row.version, expected_version, where)
                row.document, row.project = value, project
                row.version += 1
                row.updated_at = now
            return _record(row)

    async def set_status(self, name: str, status: Mapping[str, Any]) -> None:
        """Keep what the set's last expansion recorded; nothing when the set is gone."""
        value = json_value(dict(status), Location(obj=f"ApplicationSet {name}"))
        async with self._access.writing() as session:
            row = await session.get(AppSetRow, name, with_for_update=True)
            if row is not None:
                row.status = value

    async def get(self, name: str) -> AppSetRecord | None:
        async with self._access.reading() as session:
            row = await session.get(AppSetRow, name)
            return None if row is None else _record(row)

    async def list(self) -> list[AppSetRecord]:
        async with self._access.reading() as session:
            rows = (await session.scalars(sa.select(AppSetRow).order_by(AppSetRow.name))).all()
            return [_record(row) for row in rows]

    async def delete(self, name: str) -> bool:
        async with self._access.writing() as session:
            result = await session.execute(sa.delete(AppSetRow).where(AppSetRow.name == name))
            return bool(getattr(result, "rowcount", 0))


def _record(row: AppSetRow) -> AppSetRecord:
    return AppSetRecord(
        name=row.name,
        project=row.project,
        document=dict(row.document),
        status=dict(row.status),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
