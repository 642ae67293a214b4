"""The store: gitward's state in one database, grouped by concern.

``await Store.open(url)`` connects (a SQLite file by default, PostgreSQL by URL) and upgrades the
schema to the newest revision. Then ``store.apps``, ``store.projects``, ``store.repos``,
``store.clusters``, ``store.operations``, ``store.history``, ``store.audit`` and ``store.accounts``
each make every call its own transaction; ``async with store.transaction() as tx`` groups several
calls (``tx.apps``, ``tx.audit``, ...) into one, so that they commit together or not at all.
``store.changes.subscribe(listener)`` hears every committed change of apps, projects, operations,
clusters, repositories and replicas (and, once it follows them, the other replicas' changes).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from gitward.store import migrating
from gitward.store.access import Access, Bound, Context
from gitward.store.accounts import Accounts
from gitward.store.apps import Apps
from gitward.store.appsets import AppSets
from gitward.store.audit import Audit
from gitward.store.clusters import Clusters
from gitward.store.database import Database, database_url
from gitward.store.fencing import Fencing
from gitward.store.files import tighten_directory
from gitward.store.history import History
from gitward.store.notifications import Notifications
from gitward.store.operations import Operations
from gitward.store.projects import Projects
from gitward.store.replicas import Replicas
from gitward.store.repos import Repos
from gitward.store.sealing import Sealer

__all__ = ["Clock", "Store", "Transaction"]

Clock = Callable[[], datetime]
DATA_DIR_VARIABLE = "GITWARD_DATA_DIR"


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Groups:
    """The store's groups, all working through one :class:`Access`."""

    def __init__(self, context: Context) -> None:
        self.apps = Apps(context)
        self.projects = Projects(context)
        self.appsets = AppSets(context)
        self.repos = Repos(context)
        self.clusters = Clusters(context)
        self.operations = Operations(context)
        self.history = History(context)
        self.audit = Audit(context)
        self.accounts = Accounts(context)
        self.notifications = Notifications(context)
        self.replicas = Replicas(context)


class Transaction(_Groups):
    """The store's groups inside one transaction (see :meth:`Store.transaction`)."""


class Store(_Groups):
    """gitward's state. Open with :meth:`open`; close with :meth:`close` or ``async with``."""

    def __init__(self, database: Database, sealer: Sealer, clock: Clock) -> None:
        self._database = database
        self._sealer = sealer
        self._clock = clock
        self.fencing = Fencing()
        """The fence of this replica's controller writes (set while it holds a lease)."""
        self.changes = database.changes
        """Committed changes of apps, projects and operations (:mod:`gitward.store.changes`)."""
        super().__init__(self._context(database))

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        data_dir: Path | None = None,
        secret_key: str | None = None,
        env: Mapping[str, str] | None = None,
        clock: Clock = utc_now,
    ) -> Store:
        """Connect to ``url`` and upgrade its schema to the newest revision.

        ``url`` is ``sqlite:///path``, a plain file path, or ``postgresql://user@host/db``.
        Credentials are encrypted with ``secret_key``, else ``$GITWARD_SECRET_KEY``, else a key
        file in ``data_dir`` (default: beside the SQLite file, or ``$GITWARD_DATA_DIR``).
        An existing ``data_dir`` is tightened to 0700 (the store makes a missing one 0700 when
        it needs it); a SQLite file and its WAL are made 0600.
        """
        env = os.environ if env is None else env
        if data_dir is not None:
            tighten_directory(data_dir)
        database = Database(database_url(url))
        try:
            await database.prepare()
            await migrating.upgrade(database)
        except BaseException:
            await database.dispose()
            raise
        keys_dir = data_dir or _default_data_dir(database, env)
        return cls(database, Sealer(key=secret_key, env=env, data_dir=keys_dir), clock)

    @property
    def database(self) -> Database:
        """The database itself (its change feed across processes, its URL)."""
        return self._database

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._database.backend

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Several changes as one: all committed when the block ends, none if it raises."""
        async with self._database.writing() as session:
            yield Transaction(self._context(Bound(session)))

    async def schema_revision(self) -> str | None:
        """The schema revision the database is at (the newest known after ``open``)."""
        return await migrating.current_revision(self._database)

    async def close(self) -> None:
        await self._database.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _context(self, access: Access) -> Context:
        return Context(access=access, clock=self._clock, sealer=self._sealer, fencing=self.fencing)


def _default_data_dir(database: Database, env: Mapping[str, str]) -> Path | None:
    if database.sqlite_path is not None:
        return database.sqlite_path.parent
    configured = env.get(DATA_DIR_VARIABLE)
    return Path(configured).expanduser() if configured else None
