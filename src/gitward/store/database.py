"""Connections to the store's database: which engine, how transactions begin, what errors mean.

SQLite (the default, a file) runs in WAL mode (set once per file by ``prepare``) with one
writer: writes take an in-process lock and begin with ``BEGIN IMMEDIATE`` so that a second
process waits (``busy_timeout``) instead of failing half-way; reads use their own connections and
never block the writer. PostgreSQL is reached through asyncpg. Every read and every write is one
transaction. Driver errors leave here as store errors whose messages show the URL without its
password. Committed writes are published to ``changes`` (see :mod:`~gitward.store.changes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from gitward.errors import GitwardError
from gitward.redaction import redact_url
from gitward.store import feed, sqlitecalls
from gitward.store.changes import Changes, noted, pending
from gitward.store.failures import StoreConfigError, StoreError, StoreUnavailableError
from gitward.store.files import private_directory, private_file, sqlite_files
from gitward.store.values import dumps

__all__ = ["BUSY_TIMEOUT_MS", "Database", "database_url"]

BUSY_TIMEOUT_MS = 10_000
_WAL_RETRY_S = 0.02
_HINT_URL = "use sqlite:///path/to/gitward.db, a file path, or postgresql://user@host/db"
# The databases whose write transaction the current task is inside (see ``writing``).
_WRITING: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "gitward_store_writing", default=frozenset()
)


def database_url(url: str) -> sa.URL:
    """The SQLAlchemy URL, with the async driver, for a store URL or a plain file path."""
    text = url.strip()
    if not text:
        raise StoreConfigError("the store URL is empty", hint=_HINT_URL)
    if "://" not in text:
        return sa.URL.create("sqlite+aiosqlite", database=str(Path(text).expanduser().resolve()))
    try:
        parsed = sa.make_url(text)
    except (sa_exc.ArgumentError, ValueError):
        raise StoreConfigError(
            f"the store URL {redact_url(text)} cannot be read", hint=_HINT_URL
        ) from None
    backend = parsed.drivername.split("+")[0]
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:" or "mode=memory" in text:
            raise StoreConfigError(
                "the store needs a SQLite file, not an in-memory database", hint=_HINT_URL
            )
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg")
    raise StoreConfigError(
        f"the store cannot use {backend!r} databases", hint="use SQLite or PostgreSQL"
    )


class Database:
    """The engines of one store and its transactions."""

    def __init__(self, url: sa.URL) -> None:
        self.url = url
        self.backend = url.get_backend_name()
        self._writer = _engine(url, write=True)
        self._reader = _engine(url, write=False) if self.is_sqlite else self._writer
        self._write_sessions = async_sessionmaker(self._writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self._reader, expire_on_commit=False)
        self._lock = asyncio.Lock() if self.is_sqlite else None
        self.changes = Changes()
        self.origin = feed.new_origin()
        """Names this process's writes in the notifications other replicas hear."""
        self.notifying = False
        """Whether write transactions tell the other replicas what they changed
        (PostgreSQL with replicas: :mod:`gitward.store.feed`)."""

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url.database) if self.is_sqlite and self.url.database else None

    @property
    def writer(self) -> AsyncEngine:
        return self._writer

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        writing = _WRITING.get()
        if id(self) in writing:
            raise StoreError(
                "a write was started inside another write transaction of the same store",
                hint="inside `store.transaction()`, use the transaction's groups (tx.apps, ...)",
            )
        token = _WRITING.set(writing | {id(self)})
        try:
            async with self._locked(), self._translated(), self._write_sessions() as session:
                async with session.begin():
                    yield session
                    if self.notifying:
                        await feed.notify(session, self.origin, pending(session))
                self.changes.publish(noted(session))  # committed; still in commit order
        finally:
            _WRITING.reset(token)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """One read transaction: a consistent snapshot on both backends."""
        async with self._translated(), self._read_sessions() as session, session.begin():
            yield session

    async def prepare(self) -> None:
        """Create a SQLite file owner-only (``gitward.store.files``; SQLite gives its WAL and
        shared-memory files the same mode) and put it in WAL mode (it stays so); nothing to do
        for PostgreSQL."""
        path = self.sqlite_path
        if path is None:
            return
        try:
            private_directory(path.parent, tighten=False)
            private_file(path)
            await asyncio.to_thread(_enable_wal, path)
            for file in sqlite_files(path):
                private_file(file)
        except (sqlite3.Error, OSError) as err:
            raise StoreUnavailableError(
                f"the database {self._shown()} could not be made or put in WAL mode ({err})",
                hint="check that the file is writable and not held by another program",
            ) from None

    def follow(self) -> feed.Feed:
        """The feed of the other replicas' changes (start it); from now on this process's
        writes are told to them too."""
        self.notifying = True
        return feed.Feed(self.url, self.origin, self.changes)

    async def ask_refresh(self, app: str) -> None:
        """Ask the replica that owns ``app`` to refresh it (a notification, nothing stored)."""
        async with self._translated(), self._write_sessions() as session, session.begin():
            await feed.ask_refresh(session, self.origin, app)

    async def dispose(self) -> None:
        await self._writer.dispose()
        if self._reader is not self._writer:
            await self._reader.dispose()

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield

    @contextlib.asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        try:
            yield
        except GitwardError:
            raise
        except sa_exc.DataError as err:
            raise StoreConfigError(
                f"the database refused a value ({_driver_reason(err)})",
                hint="check the record for text the database cannot hold (NUL characters)",
            ) from None
        except sa_exc.IntegrityError as err:
            raise StoreError(
                f"the database refused a write ({_driver_reason(err)})",
                hint="read the record again; another writer may have changed it",
            ) from None
        except (sa_exc.DBAPIError, OSError, TimeoutError) as err:
            raise StoreUnavailableError(
                f"the database {self._shown()} is unavailable ({_driver_reason(err)})",
                hint="check that it is running and reachable; gitward retries",
            ) from None
        except sa_exc.StatementError as err:
            raise StoreConfigError(
                f"a value could not be written ({_driver_reason(err)})",
                hint="check the record's fields (timestamps need a timezone)",
            ) from None

    def _shown(self) -> str:
        return redact_url(self.url.render_as_string(hide_password=True))


def _driver_reason(err: BaseException) -> str:
    """The driver's own words, first line only, with any URL credentials masked."""
    cause = getattr(err, "orig", None) or err
    text = str(cause).strip().splitlines()
    return redact_url(text[0][:300]) if text else type(cause).__name__


def _enable_wal(path: Path) -> None:
    """Switch to WAL, retrying while another connection briefly holds the file.

    SQLite answers "locked" at once, without waiting out the busy timeout, when two connections
    race to switch a new file; so the wait is here, bounded by the same timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as db:
                db.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_S)


def _engine(url: sa.URL, *, write: bool) -> AsyncEngine:
    if url.get_backend_name() != "sqlite":
        return create_async_engine(
            url, json_serializer=dumps, pool_pre_ping=True, pool_size=5, max_overflow=10
        )
    database = url.database or ""
    engine = create_async_engine(
        url,
        json_serializer=dumps,
        pool_size=1 if write else 4,
        max_overflow=0,
        async_creator=lambda: sqlitecalls.connect(database, writes=write),
    )
    _set_up_sqlite(engine, write=write)
    return engine


def _set_up_sqlite(engine: AsyncEngine, *, write: bool) -> None:
    """WAL, busy timeout, foreign keys, durable commits, and BEGIN under our control."""

    def on_connect(connection: Any, _record: object) -> None:
        connection.isolation_level = None  # the driver stops issuing BEGIN; we issue it below
        cursor = connection.cursor()
        for pragma in (  # WAL is set once per file, by ``enable_wal``
            f"busy_timeout={BUSY_TIMEOUT_MS}",
            "foreign_keys=ON",
            "synchronous=FULL",
            f"query_only={0 if write else 1}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    def on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
