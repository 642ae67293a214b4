"""Opening a store: URLs, schema upgrades through Alembic, and refusal of what cannot work."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from store_builders import app

from gitward.store import Store, StoreConfigError, StoreUnavailableError
from gitward.store.database import database_url
from gitward.store.migrating import SCRIPT_LOCATION, head_revision
from gitward.store.tables import Base


async def run_on(store_url: str, work: Any) -> Any:
    """Run ``work(sync_connection)`` on a connection of its own, committed."""
    engine = create_async_engine(database_url(store_url))
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def test_opening_upgrades_the_schema_to_the_newest_revision(store: Store) -> None:
    assert await store.schema_revision() == head_revision()


async def test_every_revision_downgrades_and_upgrades_again(
    store: Store, store_url: str, data_dir: Path
) -> None:
    await store.close()

    def down_and_up(connection: sa.Connection) -> list[str]:
        config = Config()
        config.set_main_option("script_location", SCRIPT_LOCATION)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        left = sa.inspect(connection).get_table_names()
        command.upgrade(config, "head")
        return left

    assert await run_on(store_url, down_and_up) == ["alembic_version"]
    async with await Store.open(store_url, data_dir=data_dir, env={}) as reopened:
        await reopened.audit.append("alice", "login", "session")
        assert len(await reopened.audit.list()) == 1


async def test_the_migrated_schema_matches_the_tables_the_store_reads(
    store: Store, store_url: str
) -> None:
    def differences(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    assert await run_on(store_url, differences) == []


async def test_reopening_keeps_the_data_and_the_revision(
    store: Store, store_url: str, data_dir: Path
) -> None:
    await store.apps.upsert(app("guestbook"))
    await store.close()

    async with await Store.open(store_url, data_dir=data_dir, env={}) as reopened:
        assert await reopened.schema_revision() == head_revision()
        assert [summary.name for summary in await reopened.apps.list()] == ["guestbook"]


async def test_stores_opening_one_new_database_at_once_all_succeed(
    store_url: str, data_dir: Path
) -> None:
    stores = await asyncio.gather(
        *(Store.open(store_url, data_dir=data_dir, env={}) for _ in range(3))
    )
    try:
        await stores[0].apps.upsert(app("guestbook"))
        assert [s.name for s in await stores[2].apps.list()] == ["guestbook"]
    finally:
        for opened in stores:
            await opened.close()


async def test_a_database_from_a_newer_gitward_is_refused(
    store: Store, store_url: str, data_dir: Path
) -> None:
    await store.close()
    await run_on(
        store_url,
        lambda connection: connection.execute(
            sa.text("UPDATE alembic_version SET version_num = '9999'")
        ),
    )

    with pytest.raises(StoreConfigError, match="revision '9999'") as caught:
        await Store.open(store_url, data_dir=data_dir, env={})

    assert "a newer gitward" in caught.value.hint


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "the store URL is empty"),
        ("sqlite://", "not an in-memory database"),
        ("sqlite:///:memory:", "not an in-memory database"),
        ("mysql://root:hunter2@db/gitward", "cannot use 'mysql' databases"),
        ("postgresql://a:hunter2@host:port/db", "cannot be read"),
        ("://nothing", "cannot be read"),
    ],
)
async def test_an_unusable_url_is_refused_without_showing_its_password(
    url: str, problem: str
) -> None:
    with pytest.raises(StoreConfigError, match=problem) as caught:
        await Store.open(url)

    assert "hunter2" not in caught.value.message


async def test_a_plain_path_opens_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "gitward.db"

    async with await Store.open(str(path)) as store:
        await store.apps.upsert(app("guestbook"))
        assert store.backend == "sqlite"

    assert path.is_file()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_postgresql_is_unavailable_and_its_password_stays_hidden() -> None:
    url = f"postgresql://gitward:hunter2@127.0.0.1:{closed_port()}/gitward"

    with pytest.raises(StoreUnavailableError) as caught:
        await Store.open(url)

    assert "is unavailable" in caught.value.message
    assert "hunter2" not in caught.value.message
