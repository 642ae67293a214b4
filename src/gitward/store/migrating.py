"""Bring a database's schema to the newest revision this gitward knows, in one transaction.

Runs the Alembic revisions shipped under ``migrations/`` on the store's own write connection, so
the upgrade is atomic: a crash mid-upgrade leaves the old schema. Two processes opening one
database at once take turns (SQLite's write lock, a PostgreSQL advisory lock). A database that a
newer gitward migrated is refused rather than guessed at.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from gitward.store.database import Database
from gitward.store.failures import StoreConfigError

__all__ = ["current_revision", "head_revision", "upgrade"]

SCRIPT_LOCATION = "gitward.store:migrations"
_ADVISORY_LOCK = 0x67697477  # any constant: "gitw"


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision of this gitward."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the store ships at least one revision"
    return head


async def upgrade(database: Database) -> None:
    """Upgrade to the newest revision, or refuse a database from a newer gitward."""
    async with database.writing() as session:
        connection = await session.connection()
        if not database.is_sqlite:
            await connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK}
            )
        await connection.run_sync(_upgrade)


async def current_revision(database: Database) -> str | None:
    """The revision the database is at; None before the first upgrade."""
    async with database.reading() as session:
        connection = await session.connection()
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _upgrade(connection: sa.Connection) -> None:
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and current not in known:
        raise StoreConfigError(
            f"the database is at schema revision {current!r}, which this gitward does not know",
            hint="a newer gitward migrated it: run that version, or restore a backup",
        )
    try:
        command.upgrade(_config(connection), "head")
    except CommandError as err:
        raise StoreConfigError(
            f"the schema could not be upgraded: {err}", hint="restore a backup and report this"
        ) from None
