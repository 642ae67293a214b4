"""SQLite as the default store: WAL, one writer at a time, foreign keys, and no self-deadlock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_builders import app

from gitward.store import AppStatus, Store, StoreError
from gitward.store.database import BUSY_TIMEOUT_MS, Database, database_url


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(str(tmp_path / "gitward.db"), env={}) as store:
        yield store


async def pragmas(path: Path, *names: str) -> list[object]:
    database = Database(database_url(str(path)))
    try:
        async with database.writing() as session:
            return [(await session.execute(sa.text(f"PRAGMA {name}"))).scalar() for name in names]
    finally:
        await database.dispose()


async def test_the_database_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(
    sqlite_store: Store, tmp_path: Path
) -> None:
    found = await pragmas(tmp_path / "gitward.db", "journal_mode", "busy_timeout", "foreign_keys")

    assert found == ["wal", BUSY_TIMEOUT_MS, 1]


async def test_two_stores_on_one_file_write_concurrently_without_losing_a_write(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "gitward.db")
    async with await Store.open(path, env={}) as first, await Store.open(path, env={}) as second:
        await first.apps.upsert(app("shared"))

        async def bump(store: Store, times: int) -> None:
            for _ in range(times):
                await store.apps.set_status("shared", AppStatus(sync_status="Synced"))

        await asyncio.gather(bump(first, 20), bump(second, 20), bump(first, 20))

        shared = await second.apps.get("shared")

    assert shared is not None
    assert shared.version == 61


async def test_a_write_through_the_store_inside_its_own_transaction_is_refused(
    sqlite_store: Store,
) -> None:
    with pytest.raises(StoreError, match="inside another write transaction") as caught:
        async with sqlite_store.transaction():
            await sqlite_store.apps.upsert(app("guestbook"))

    assert "tx.apps" in caught.value.hint
    assert await sqlite_store.apps.get("guestbook") is None


async def test_reads_go_on_while_a_write_transaction_is_open(sqlite_store: Store) -> None:
    await sqlite_store.apps.upsert(app("before"))

    async with sqlite_store.transaction() as tx:
        await tx.apps.upsert(app("during"))
        seen_outside = [summary.name for summary in await sqlite_store.apps.list()]
        seen_inside = [summary.name for summary in await tx.apps.list()]

    assert seen_outside == ["before"]
    assert seen_inside == ["before", "during"]


async def test_stores_racing_to_create_the_same_new_file_all_open(tmp_path: Path) -> None:
    for attempt in range(10):
        path = str(tmp_path / f"race-{attempt}.db")

        opened = await asyncio.gather(
            *(Store.open(path, env={}) for _ in range(3)), return_exceptions=True
        )

        for store in opened:
            if isinstance(store, Store):
                await store.close()
        assert [type(store) for store in opened] == [Store, Store, Store]
