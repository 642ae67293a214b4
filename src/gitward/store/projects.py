"""AppProjects in the store, as written in Git, with a version for optimistic concurrency.

A project that applications still belong to cannot be deleted (Argo CD refuses the same).
"""

from __future__ import annotations

import sqlalchemy as sa

from gitward.errors import Location
from gitward.store.access import Context, check_version, flush_new
from gitward.store.changes import ProjectDeleted, ProjectWritten, note
from gitward.store.failures import RecordInUseError, StoreConfigError
from gitward.store.records import ProjectDefinition, ProjectRecord
from gitward.store.tables import AppRow, ProjectRow
from gitward.store.values import json_value

__all__ = ["Projects"]


class Projects:
    """``store.projects``: upsert, get, list, delete."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock

    async def upsert(
        self, definition: ProjectDefinition, *, expected_version: int | None = None
    ) -> ProjectRecord:
        where = Location(file=definition.file, obj=f"AppProject {definition.name}")
        if not definition.name or len(definition.name) > 253:
            raise StoreConfigError(
                "a project needs a name of 1 to 253 characters",
                where=where.at("metadata.name"),
                hint="name the AppProject",
            )
        document = json_value(dict(definition.document), where)
        now = self._clock()
        async with self._access.writing() as session:
            row = await session.get(ProjectRow, definition.name, with_for_update=True)
            if row is None:
                check_version(0, expected_version or 0, where)
                row = ProjectRow(name=definition.name, document=document, file=definition.file)
                row.version, row.created_at, row.updated_at = 1, now, now
                await flush_new(session, row, where)
            else:
                check_version(row.version, expected_version, where)
                row.document, row.file = document, definition.file
                row.version += 1
                row.updated_at = now
            record = _record(row)
            note(session, ProjectWritten(record))
            return record

    async def get(self, name: str) -> ProjectRecord | None:
        async with self._access.reading() as session:
            row = await session.get(ProjectRow, name)
            return None if row is None else _record(row)

    async def list(self) -> list[ProjectRecord]:
        async with self._access.reading() as session:
            rows = (await session.scalars(sa.select(ProjectRow).order_by(ProjectRow.name))).all()
            return [_record(row) for row in rows]

    async def delete(self, name: str) -> bool:
        """Remove the project; refused while applications belong to it."""
        async with self._access.writing() as session:
            users = await session.scalar(
                sa.select(sa.func.count()).select_from(AppRow).where(AppRow.project == name)
            )
            if users:
                raise RecordInUseError(
                    f"{users} application(s) still belong to the project",
                    where=Location(obj=f"AppProject {name}"),
                    hint="move or delete those applications first",
                )
            result = await session.execute(sa.delete(ProjectRow).where(ProjectRow.name == name))
            deleted = bool(getattr(result, "rowcount", 0))
            if deleted:
                note(session, ProjectDeleted(name))
            return deleted


def _record(row: ProjectRow) -> ProjectRecord:
    return ProjectRecord(
        name=row.name,
        document=row.document,
        file=row.file,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
