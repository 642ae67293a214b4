"""Clusters Applications deploy to, with their credentials encrypted at rest.

Like repositories: reads show ``has_*`` flags, and only :meth:`Clusters.credentials_for` decrypts,
for the kube layer. A cluster is addressed by its server URL or by its unique name, as an
Application's ``spec.destination`` may use either.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.errors import Location
from gitward.redaction import redact_url
from gitward.store.access import Context, flush_new
from gitward.store.changes import ClusterChanged, note
from gitward.store.failures import StoreConfigError
from gitward.store.records import ClusterDefinition, ClusterRecord, Credentials
from gitward.store.tables import ClusterRow
from gitward.store.values import json_value

__all__ = ["Clusters"]


class Clusters:
    """``store.clusters``: upsert, get, by_name, list, delete, credentials_for."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock
        self._sealer = context.sealer

    async def upsert(self, definition: ClusterDefinition) -> ClusterRecord:
        """Add the cluster or replace everything about it, credentials included."""
        server = definition.server.strip().rstrip("/")
        where = Location(obj=f"cluster {redact_url(server) or '(no server)'}")
        if not server or redact_url(server) != server:
            raise StoreConfigError(
                "a cluster needs a server URL without credentials in it",
                where=where.at("server"),
                hint="give the server as https://host:port and credentials separately",
            )
        sealed = self._sealer.seal(definition.credentials)
        labels = json_value(dict(definition.labels), where.at("labels"))
        now = self._clock()
        async with self._access.writing() as session:
            await _check_name_free(session, definition.name or server, server, where)
            row = await session.get(ClusterRow, server, with_for_update=True)
            fresh = row is None
            if row is None:
                row = ClusterRow(server=server, created_at=now)
            _fill(row, definition, labels, sealed)
            row.updated_at = now
            if fresh:
                await flush_new(session, row, where)
            note(session, ClusterChanged(server))
            return _record(row)

    async def get(self, server: str) -> ClusterRecord | None:
        async with self._access.reading() as session:
            row = await session.get(ClusterRow, server.strip().rstrip("/"))
            return None if row is None else _record(row)

    async def by_name(self, name: str) -> ClusterRecord | None:
        async with self._access.reading() as session:
            row = await session.scalar(sa.select(ClusterRow).where(ClusterRow.name == name))
            return None if row is None else _record(row)

    async def list(self) -> list[ClusterRecord]:
        async with self._access.reading() as session:
            rows = (await session.scalars(sa.select(ClusterRow).order_by(ClusterRow.name))).all()
            return [_record(row) for row in rows]

    async def delete(self, server: str) -> bool:
        server = server.strip().rstrip("/")
        query = sa.delete(ClusterRow).where(ClusterRow.server == server)
        async with self._access.writing() as session:
            result = await session.execute(query)
            deleted = bool(getattr(result, "rowcount", 0))
            if deleted:
                note(session, ClusterChanged(server))
            return deleted

    async def credentials_for(self, server: str) -> Credentials | None:
        """Decrypted credentials for reaching ``server``; None for an unknown cluster."""
        async with self._access.reading() as session:
            row = await session.get(ClusterRow, server.strip().rstrip("/"))
        if row is None:
            return None
        return self._sealer.open(row.sealed, row.username, Location(obj=f"cluster {row.name}"))


async def _check_name_free(session: AsyncSession, name: str, server: str, where: Location) -> None:
    query = sa.select(ClusterRow.server).where(ClusterRow.name == name, ClusterRow.server != server)
    holder = await session.scalar(query)
    if holder is not None:
        raise StoreConfigError(
            f"the name {name!r} is already used by the cluster {redact_url(holder)}",
            where=where.at("name"),
            hint="give each cluster its own name",
        )


def _fill(
    row: ClusterRow, definition: ClusterDefinition, labels: dict[str, Any], sealed: str
) -> None:
    credentials = definition.credentials
    row.name = definition.name or row.server
    row.namespaces = list(definition.namespaces)
    row.project = definition.project
    row.labels = labels
    row.insecure = definition.insecure
    row.server_name = definition.server_name
    row.username = credentials.username
    row.has_password = bool(credentials.password)
    row.has_bearer_token = bool(credentials.bearer_token)
    row.has_tls_client_cert = bool(credentials.tls_client_cert_key)
    row.has_ca_data = bool(credentials.ca_data)
    row.sealed = sealed


def _record(row: ClusterRow) -> ClusterRecord:
    return ClusterRecord(
        server=row.server,
        name=row.name,
        namespaces=tuple(row.namespaces),
        project=row.project,
        labels=row.labels,
        insecure=row.insecure,
        server_name=row.server_name,
        username=row.username,
        has_password=row.has_password,
        has_bearer_token=row.has_bearer_token,
        has_tls_client_cert=row.has_tls_client_cert,
        has_ca_data=row.has_ca_data,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
