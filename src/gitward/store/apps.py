"""Applications in the store: their definitions as written, and the status the controller computed.

Every write bumps the app's ``version``; a caller that passes ``expected_version`` gets a
:class:`StaleWriteError` instead of overwriting a change it has not seen. Listing reads only the
summary columns, so a list of thousands of apps never loads their documents: every write copies
the first source, the destination and the automated sync flags out of the document into columns
of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.errors import Location
from gitward.store.access import Context, check_version, flush_all, flush_new
from gitward.store.changes import AppDeleted, AppStatusChanged, AppWritten, note
from gitward.store.failures import RecordNotFoundError, StoreConfigError
from gitward.store.fencing import check, owner
from gitward.store.records import AppDefinition, AppRecord, AppStatus, AppSummary
from gitward.store.tables import AppRow, table_of
from gitward.store.values import aware, json_value

__all__ = ["Apps", "LabelSelector"]

LabelSelector = Mapping[str, str] | Callable[[Mapping[str, str]], bool]
"""Labels an app must carry (all of them, equal), or a predicate over its labels."""

_CHUNK = 500  # names per IN (...) query
_APPS = table_of(AppRow).c  # Core columns: a list needs no ORM identity map
# AppSummary's fields in order. The revision is read in SQL: decoding every app's JSON list of
# revisions in Python would cost the list more than all its other columns.
_SUMMARY = (
    *(
        _APPS[name]
        for name in (
            "name",
            "project",
            "parent",
            "labels",
            "sync_status",
            "health_status",
            "reconciled_at",
            "version",
            "repo_url",
            "source_path",
            "source_chart",
            "target_revision",
            "dest_server",
            "dest_name",
            "dest_namespace",
        )
    ),
    sa.cast(_APPS.sync_policy, sa.Text),
    sa.func.coalesce(_APPS.observed_revisions[0].as_string(), ""),
)
_SOURCE_COLUMNS = {
    "repo_url": "repoURL",
    "source_path": "path",
    "source_chart": "chart",
    "target_revision": "targetRevision",
}
_DESTINATION_COLUMNS = {"dest_server": "server", "dest_name": "name", "dest_namespace": "namespace"}
_AUTOMATED_FLAGS = ("enabled", "prune", "selfHeal", "allowEmpty")


class Apps:
    """``store.apps``: upsert, get, list, set_status, delete."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock
        self._fencing = context.fencing

    async def upsert(
        self, definition: AppDefinition, *, expected_version: int | None = None
    ) -> AppRecord:
        """Create the app, or replace its definition (its status stays)."""
        where = _where(definition.name, definition.file)
        values = _definition_values(definition, where)
        now = self._clock()
        async with self._access.writing() as session:
            row = await session.get(AppRow, definition.name, with_for_update=True)
            if row is None:
                check_version(0, expected_version or 0, where)
                row = AppRow(**values, **_initial_status(), history_seq=0, version=1)
                row.created_at = row.updated_at = now
                await flush_new(session, row, where)
            else:
                check_version(row.version, expected_version, where)
                for name, value in values.items():
                    setattr(row, name, value)
                row.version += 1
                row.updated_at = now
            record = app_record(row)
            note(session, AppWritten(record))
            return record

    async def upsert_many(self, definitions: Iterable[AppDefinition]) -> dict[str, int]:
        """Create or replace many apps in one transaction (a controller's first load of Git).

        Returns each app's new version. Statuses stay; no version check is made.
        """
        prepared = _prepared(definitions)
        now = self._clock()
        async with self._access.writing() as session:
            existing = await _rows_named(session, list(prepared))
            for name, values in prepared.items():
                row = existing.get(name)
                if row is None:
                    row = AppRow(**values, **_initial_status(), history_seq=0, version=0)
                    row.created_at = now
                    session.add(row)
                    existing[name] = row
                else:
                    for field, value in values.items():
                        setattr(row, field, value)
                row.version += 1
                row.updated_at = now
            await flush_all(session, Location(obj="Applications"))
            note(session, *(AppWritten(app_record(row)) for row in existing.values()))
            return {name: row.version for name, row in existing.items()}

    async def get(self, name: str) -> AppRecord | None:
        """One app (Core: every reconcile of an app not yet in the controller's reads comes
        here, a cold cycle once per app)."""
        async with self._access.reading() as session:
            connection = await session.connection()
            row = (await connection.execute(_GET, {"app_name": name})).first()
            return None if row is None else app_record(row)

    async def condition_types(self) -> dict[str, tuple[str, ...]]:
        """Each app's condition types, for metrics: two columns, no documents."""
        query = sa.select(_APPS.name, _APPS.conditions)
        async with self._access.reading() as session:
            rows = (await session.execute(query)).all()
        return {
            name: tuple(str(c.get("type")) for c in conditions or () if isinstance(c, dict))
            for name, conditions in rows
        }

    async def list(
        self,
        *,
        project: str | Collection[str] | None = None,
        parent: str | None = None,
        selector: LabelSelector | None = None,
        name_glob: str | None = None,
    ) -> list[AppSummary]:
        """Summaries of the apps that match every filter given, by name."""
        query = sa.select(*_SUMMARY).order_by(_APPS.name)
        if isinstance(project, str):
            query = query.where(_APPS.project == project)
        elif project is not None:
            query = query.where(_APPS.project.in_(list(project)))
        if parent is not None:
            query = query.where(_APPS.parent == parent)
        if name_glob and _sql_glob(name_glob) is not None:
            query = query.where(_APPS.name.like(_sql_glob(name_glob), escape="\\"))
        async with self._access.reading() as session:
            rows = (await session.execute(query)).all()
        summaries = _summaries(rows)
        if name_glob:
            summaries = [app for app in summaries if fnmatchcase(app.name, name_glob)]
        if selector is not None:
            summaries = [app for app in summaries if _selected(app.labels, selector)]
        return summaries

    async def set_status(
        self, name: str, status: AppStatus, *, expected_version: int | None = None
    ) -> int:
        """Record what the controller computed; returns the app's new version.

        One UPDATE, without loading the row: every refresh of every app ends here.
        """
        where = _where(name, None)
        values = _status_values(status, where)
        matches = AppRow.name == name
        if expected_version is not None:
            matches = matches & (AppRow.version == expected_version)
        update = (
            sa.update(AppRow)
            .where(matches)
            .values(**values, version=AppRow.version + 1, updated_at=self._clock())
            .returning(AppRow.version)
            .execution_options(synchronize_session=False)
        )
        async with self._access.writing() as session:
            fence = self._fencing.fence
            if fence is not None:
                await check(session, fence, self._clock(), name)
            version: int | None = (await session.execute(update)).scalar_one_or_none()
            if version is None:
                await _refuse_status(session, name, expected_version, where)
            note(session, AppStatusChanged(name, status, version))
            return version

    async def set_statuses(self, statuses: Mapping[str, AppStatus]) -> dict[str, int]:
        """Record many statuses in one transaction (a batch of refreshes that ended together);
        returns the new version of each app that exists (the others are left out). One
        statement, compiled once, runs for every app; each answers with its own new version."""
        now = self._clock()
        versions: dict[str, int] = {}
        async with self._access.writing() as session:
            for name, status in (await self._owned(session, statuses, now)).items():
                values = _status_values(status, _where(name, None))
                params = {"app_name": name, "now": now, **_bound(values)}
                version = (await session.execute(_SET_STATUS, params)).scalar_one_or_none()
                if version is not None:
                    versions[name] = int(version)
                    note(session, AppStatusChanged(name, status, int(version)))
            return versions

    async def _owned(
        self, session: AsyncSession, statuses: Mapping[str, AppStatus], now: datetime
    ) -> Mapping[str, AppStatus]:
        """With a fence: :class:`FencedError` if the lease is gone; only the apps this replica
        owns (the others' statuses are their owners' to write)."""
        fence = self._fencing.fence
        if fence is None:
            return statuses
        live = await check(session, fence, now)
        return {name: s for name, s in statuses.items() if owner(name, live) == fence.replica}

    async def delete(self, name: str) -> bool:
        """Remove the app with its operations and history; False if there was none."""
        async with self._access.writing() as session:
            result = await session.execute(sa.delete(AppRow).where(AppRow.name == name))
            deleted = bool(getattr(result, "rowcount", 0))
            if deleted:
                note(session, AppDeleted(name))
            return deleted


async def _refuse_status(
    session: AsyncSession, name: str, expected_version: int | None, where: Location
) -> NoReturn:
    """Why a status update matched no row: no such app, or another version."""
    current = await session.scalar(sa.select(_APPS.version).where(_APPS.name == name))
    if current is not None:
        check_version(current, expected_version, where)
    raise RecordNotFoundError(
        "no such application", where=where, hint="upsert the app before its status"
    )


def _where(name: str, file: str | None) -> Location:
    return Location(file=file, obj=f"Application {name}")


def _prepared(definitions: Iterable[AppDefinition]) -> dict[str, dict[str, Any]]:
    prepared: dict[str, dict[str, Any]] = {}
    for definition in definitions:
        where = _where(definition.name, definition.file)
        if definition.name in prepared:
            raise StoreConfigError(
                "the application is defined twice", where=where, hint="keep one definition"
            )
        prepared[definition.name] = _definition_values(definition, where)
    return prepared


async def _rows_named(session: AsyncSession, names: list[str]) -> dict[str, AppRow]:
    rows: dict[str, AppRow] = {}
    for start in range(0, len(names), _CHUNK):
        query = sa.select(AppRow).where(AppRow.name.in_(names[start : start + _CHUNK]))
        for row in (await session.scalars(query.with_for_update())).all():
            rows[row.name] = row
    return rows


def _definition_values(definition: AppDefinition, where: Location) -> dict[str, Any]:
    if not definition.name or len(definition.name) > 253:
        raise StoreConfigError(
            "an application needs a name of 1 to 253 characters",
            where=where.at("metadata.name"),
            hint="name the Application",
        )
    if not definition.project:
        raise StoreConfigError(
            "an application needs a project", where=where.at("spec.project"), hint="set one"
        )
    if definition.history_limit < 0:
        raise StoreConfigError(
            "the revision history limit cannot be negative",
            where=where.at("spec.revisionHistoryLimit"),
            hint="use 0 or more (10 by default)",
        )
    return {
        "name": definition.name,
        "project": definition.project,
        "parent": definition.parent,
        "file": definition.file,
        "labels": json_value(dict(definition.labels), where.at("metadata.labels")),
        "document": json_value(dict(definition.document), where),
        "history_limit": definition.history_limit,
        **_summary_values(definition.document),
    }


def _summary_values(document: Mapping[str, Any]) -> dict[str, Any]:
    """The list's columns, read from an Application document ("" or None where it has none).

    The source is ``spec.sources[0]`` when ``sources`` is set (Argo CD ignores ``source`` then),
    else ``spec.source``; ``sync_policy`` keeps only ``automated`` and its boolean flags.
    """
    spec = _mapping(document.get("spec"))
    sources = spec.get("sources")
    source = _mapping(sources[0] if isinstance(sources, list) and sources else spec.get("source"))
    destination = _mapping(spec.get("destination"))
    values: dict[str, Any] = {col: _text(source.get(key)) for col, key in _SOURCE_COLUMNS.items()}
    values.update({col: _text(destination.get(key)) for col, key in _DESTINATION_COLUMNS.items()})
    automated = _mapping(spec.get("syncPolicy")).get("automated")
    values["sync_policy"] = (
        {"automated": {f: automated[f] for f in _AUTOMATED_FLAGS if _is_flag(automated.get(f))}}
        if isinstance(automated, Mapping)
        else None
    )
    return values


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _summaries(rows: Sequence[sa.Row[Any]]) -> list[AppSummary]:
    """Rows of ``_SUMMARY`` as summaries. Apps share a handful of sync policies: each one's JSON
    is decoded once, and its summaries share the (read-only) value."""
    policies: dict[str | None, Any] = {None: None}
    summaries = []
    for row in rows:
        columns: tuple[Any, ...] = tuple(row)
        text = columns[-2]
        if text not in policies:
            policies[text] = json.loads(text)
        summaries.append(AppSummary(*(*columns[:-2], policies[text], columns[-1])))
    return summaries


def _is_flag(value: object) -> bool:
    return isinstance(value, bool)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _initial_status() -> dict[str, Any]:
    return _status_values(AppStatus(), Location())


def _bound(values: Mapping[str, Any]) -> dict[str, Any]:
    return {f"status_{field}": value for field, value in values.items()}


def _set_status_statement() -> sa.Update:
    """UPDATE apps SET <status columns>, version = version + 1 WHERE name = :app_name, with
    every value a named parameter: compiled once, run for a whole batch (executemany)."""
    table = table_of(AppRow)
    columns = _status_values(AppStatus(), Location())
    return (
        sa.update(table)
        .where(table.c.name == sa.bindparam("app_name"))
        .values(
            {
                **{
                    field: sa.bindparam(f"status_{field}", type_=table.c[field].type)
                    for field in columns
                },
                "version": table.c.version + 1,
                "updated_at": sa.bindparam("now", type_=table.c.updated_at.type),
            }
        )
        .returning(table.c.version)
    )


def _status_values(status: AppStatus, where: Location) -> dict[str, Any]:
    return {
        "sync_status": status.sync_status,
        "health_status": status.health_status,
        "health_message": status.health_message,
        "conditions": json_value([dict(c) for c in status.conditions], where.at("conditions")),
        "reconciled_at": aware(status.reconciled_at, where.at("reconciledAt")),
        "observed_revisions": list(status.observed_revisions),
        "resources": json_value(dict(status.resources), where.at("resources")),
    }


def app_record(row: Any) -> AppRecord:
    """The record of an ORM row or a Core row of every column of ``apps``."""
    status = AppStatus(
        sync_status=row.sync_status,
        health_status=row.health_status,
        health_message=row.health_message,
        conditions=tuple(row.conditions),
        reconciled_at=row.reconciled_at,
        observed_revisions=tuple(row.observed_revisions),
        resources=row.resources,
    )
    return AppRecord(
        name=row.name,
        project=row.project,
        parent=row.parent,
        file=row.file,
        labels=row.labels,
        document=row.document,
        history_limit=row.history_limit,
        status=status,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _sql_glob(glob: str) -> str | None:
    """``*`` and ``?`` as a LIKE pattern; None for globs LIKE cannot say (``[...]``)."""
    if "[" in glob:
        return None
    escaped = re.sub(r"([\\%_])", r"\\\1", glob)
    return escaped.replace("*", "%").replace("?", "_")


def _selected(labels: Mapping[str, str], selector: LabelSelector) -> bool:
    if callable(selector):
        return selector(labels)
    return all(labels.get(key) == value for key, value in selector.items())


_SET_STATUS = _set_status_statement()
_GET = sa.select(table_of(AppRow)).where(_APPS.name == sa.bindparam("app_name"))
