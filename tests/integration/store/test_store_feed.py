"""The change feed across replicas: a write committed through one store reaches another store
that follows the database, as a Remote change naming what moved (PostgreSQL LISTEN/NOTIFY);
a rolled-back write tells nobody, and a process never hears its own writes twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from store_builders import app

from gitward.store import Store
from gitward.store.changes import (
    AppDeleted,
    Change,
    ClusterChanged,
    Remote,
    ReplicasChanged,
    RepoChanged,
)
from gitward.store.feed import parse, payload
from support.postgres import postgres_admin_url, throwaway_database

KEY = "yKFkN2o6VfOzJbD8K5wHbmUbqJjQsq1b2kVwJYg9Cqk="


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with throwaway_database(postgres_admin_url("the store's tests"), "gitward_test") as url:
        yield url


@pytest.fixture
async def two(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    env = {"GITWARD_SECRET_KEY": KEY}
    writer = await Store.open(postgres_url, data_dir=tmp_path, env=env)
    follower = await Store.open(postgres_url, data_dir=tmp_path, env=env)
    try:
        yield writer, follower
    finally:
        await writer.close()
        await follower.close()


class Heard:
    """The changes a store published, and a wait for the first ``count`` of them."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._more = asyncio.Event()

    def __call__(self, change: Change) -> None:
        self.changes.append(change)
        self._more.set()

    async def at_least(self, count: int, within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            while len(self.changes) < count:
                self._more.clear()
                await self._more.wait()


async def test_a_write_on_one_replica_reaches_another_at_once_and_not_its_own_writer(
    two: tuple[Store, Store],
) -> None:
    writer, follower = two
    writer.database.follow()  # its writes are told from now on; it does not listen here
    feed = follower.database.follow()
    await feed.start()
    heard = Heard()
    follower.changes.subscribe(heard)
    own: list[Change] = []
    writer.changes.subscribe(own.append)
    try:
        await writer.apps.upsert(app("guestbook"))
        with pytest.raises(RuntimeError):
            async with writer.transaction() as tx:
                await tx.apps.upsert(app("never"))
                raise RuntimeError("rolled back")
        started = await writer.operations.start("guestbook", request={}, requested_by="alice")
        await heard.at_least(2)
    finally:
        await feed.stop()

    assert heard.changes == [Remote("app", "guestbook"), Remote("operation", "guestbook")]
    assert all(not isinstance(change, Remote) for change in own)
    assert started.app == "guestbook"


def test_a_notification_too_large_for_postgresql_says_look_at_everything() -> None:
    text = payload("me", [AppDeleted(f"app-{n:05d}") for n in range(1000)])

    assert text is not None and len(text) < 8000
    assert parse(text) == ("me", [Remote("all")])
    assert parse("not json") == ("", [Remote("all")])


def test_every_kind_of_change_another_replica_must_hear_survives_the_notification() -> None:
    changes = [ReplicasChanged(), ClusterChanged("https://k8s.example"), RepoChanged("https://g")]

    text = payload("me", changes)

    assert text is not None
    assert sorted(parse(text)[1], key=lambda r: r.kind) == [
        Remote("cluster", "https://k8s.example"),
        Remote("replicas", ""),
        Remote("repo", "https://g"),
    ]
