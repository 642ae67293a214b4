"""Repositories and their credentials, encrypted at rest.

Reads (``get``, ``list``) return :class:`RepoRecord`, which says *whether* a password, token or key
is set and never what it is. Only :meth:`Repos.credentials_for` decrypts, for the git layer: the
repository's own credentials, else those of the longest credential template (``template=True``)
whose URL prefixes it, as Argo CD's repo-creds do. URLs are compared ignoring case, a trailing
slash and ``.git``; callers that know more about URLs normalise them before both calls.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from gitward.errors import Location
from gitward.redaction import redact_url
from gitward.store.access import Context, flush_new
from gitward.store.changes import RepoChanged, note
from gitward.store.failures import StoreConfigError
from gitward.store.records import Credentials, RepoDefinition, RepoRecord
from gitward.store.tables import RepoRow

__all__ = ["Repos", "url_key"]

REPO_TYPES = frozenset({"git", "helm", "oci"})


def url_key(url: str) -> str:
    """How two spellings of one repository URL compare equal here."""
    key = url.strip().rstrip("/").lower()
    return key.removesuffix(".git").rstrip("/")


class Repos:
    """``store.repos``: upsert, get, list, delete, credentials_for."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock
        self._sealer = context.sealer

    async def upsert(self, definition: RepoDefinition) -> RepoRecord:
        """Add the repository or replace everything about it, credentials included."""
        where = _where(definition.url)
        _check(definition, where)
        sealed = self._sealer.seal(definition.credentials)
        now = self._clock()
        async with self._access.writing() as session:
            row = await session.get(RepoRow, url_key(definition.url), with_for_update=True)
            if row is None:
                row = RepoRow(url_key=url_key(definition.url), created_at=now)
                _fill(row, definition, sealed, now)
                await flush_new(session, row, where)
            else:
                _fill(row, definition, sealed, now)
            note(session, RepoChanged(definition.url))
            return _record(row)

    async def get(self, url: str) -> RepoRecord | None:
        async with self._access.reading() as session:
            row = await session.get(RepoRow, url_key(url))
            return None if row is None else _record(row)

    async def list(self) -> list[RepoRecord]:
        async with self._access.reading() as session:
            rows = (await session.scalars(sa.select(RepoRow).order_by(RepoRow.url_key))).all()
            return [_record(row) for row in rows]

    async def delete(self, url: str) -> bool:
        async with self._access.writing() as session:
            result = await session.execute(
                sa.delete(RepoRow).where(RepoRow.url_key == url_key(url))
            )
            deleted = bool(getattr(result, "rowcount", 0))
            if deleted:
                note(session, RepoChanged(url))
            return deleted

    async def credentials_for(self, url: str) -> Credentials | None:
        """Decrypted credentials for fetching ``url``; None when none are stored for it."""
        key = url_key(url)
        async with self._access.reading() as session:
            row = await session.get(RepoRow, key)
            if row is None:
                templates = (
                    await session.scalars(sa.select(RepoRow).where(RepoRow.template.is_(True)))
                ).all()
                row = _longest_prefix(key, templates)
        if row is None:
            return None
        return self._sealer.open(row.sealed, row.username, _where(row.url))


def _where(url: str) -> Location:
    return Location(obj=f"repository {redact_url(url)}")


def _check(definition: RepoDefinition, where: Location) -> None:
    if not url_key(definition.url):
        raise StoreConfigError("a repository needs a URL", where=where.at("url"), hint="set one")
    for field, url in (("url", definition.url), ("proxy", definition.proxy)):
        if _has_password(url):
            raise StoreConfigError(
                f"the {field} carries credentials, which would be stored unencrypted",
                where=where.at(field),
                hint="give usernames and passwords as credentials, not inside URLs",
            )
    if definition.type not in REPO_TYPES:
        raise StoreConfigError(
            f"unknown repository type {definition.type!r}",
            where=where.at("type"),
            hint=f"use one of {', '.join(sorted(REPO_TYPES))}",
        )


def _has_password(url: str) -> bool:
    try:
        return urllib.parse.urlsplit(url.strip()).password is not None
    except ValueError:
        return False


def _fill(row: RepoRow, definition: RepoDefinition, sealed: str, now: datetime) -> None:
    credentials = definition.credentials
    row.url = definition.url
    row.name = definition.name
    row.type = definition.type
    row.project = definition.project
    row.template = definition.template
    row.insecure = definition.insecure
    row.enable_lfs = definition.enable_lfs
    row.proxy = definition.proxy
    row.username = credentials.username
    row.has_password = bool(credentials.password)
    row.has_bearer_token = bool(credentials.bearer_token)
    row.has_ssh_private_key = bool(credentials.ssh_private_key)
    row.has_tls_client_cert = bool(credentials.tls_client_cert_key)
    row.sealed = sealed
    row.updated_at = now


def _longest_prefix(key: str, templates: Sequence[RepoRow]) -> RepoRow | None:
    matching = [row for row in templates if key.startswith(row.url_key)]
    return max(matching, key=lambda row: len(row.url_key), default=None)


def _record(row: RepoRow) -> RepoRecord:
    return RepoRecord(
        url=row.url,
        name=row.name,
        type=row.type,
        project=row.project,
        template=row.template,
        insecure=row.insecure,
        enable_lfs=row.enable_lfs,
        proxy=row.proxy,
        username=row.username,
        has_password=row.has_password,
        has_bearer_token=row.has_bearer_token,
        has_ssh_private_key=row.has_ssh_private_key,
        has_tls_client_cert=row.has_tls_client_cert,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
