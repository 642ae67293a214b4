"""Replicas' leases and the fence on the controller's writes (issue 17.1), on both backends:
two stores on one database stand for two replicas, with one clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_builders import app

from gitward.store import AppStatus, Store
from gitward.store.fencing import FencedError, check, owner
from gitward.store.operations import StepClaimedError

SYNC = {"revision": "abc"}
LEASE = 15.0


class Clock:
    """A clock that stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def lease_clock() -> Clock:
    return Clock()


@pytest.fixture
async def pair(
    store_url: str, data_dir: Path, lease_clock: Clock
) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database: replicas ``a`` and ``b``."""
    env = {"GITWARD_SECRET_KEY": "yKFkN2o6VfOzJbD8K5wHbmUbqJjQsq1b2kVwJYg9Cqk="}
    first = await Store.open(store_url, data_dir=data_dir, env=env, clock=lease_clock)
    second = await Store.open(store_url, data_dir=data_dir, env=env, clock=lease_clock)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def owned_by(replica: str, others: list[str]) -> str:
    """An app name that rendezvous hashing gives ``replica`` among ``others``."""
    return next(
        name for n in range(1000) if owner(name := f"app{n}", [replica, *others]) == replica
    )


async def test_each_join_draws_a_new_epoch_and_an_expired_lease_cannot_be_renewed(
    pair: tuple[Store, Store], lease_clock: Clock
) -> None:
    a, b = pair
    first = await a.replicas.join("a", "10.0.0.1:8080", LEASE)
    second = await b.replicas.join("b", "10.0.0.2:8080", LEASE)
    assert second.epoch > first.epoch
    assert [r.id for r in await a.replicas.live()] == ["a", "b"]

    lease_clock.advance(LEASE - 1)
    assert await a.replicas.renew(first, LEASE)
    lease_clock.advance(2)  # b's lease ran out; a's was renewed
    assert not await b.replicas.renew(second, LEASE)
    assert [r.id for r in await a.replicas.live()] == ["a"]
    assert await a.replicas.reap() == ["b"]
    again = await b.replicas.join("b", "10.0.0.2:8080", LEASE)
    assert again.epoch > second.epoch


async def test_a_replica_whose_lease_expired_cannot_store_a_step(
    pair: tuple[Store, Store], lease_clock: Clock
) -> None:
    a, b = pair
    a.fencing.fence = await a.replicas.join("a", "a:1", LEASE)
    name = owned_by("a", [])
    await a.apps.upsert(app(name))
    started = await a.operations.start(name, request=SYNC, requested_by="alice")
    await a.operations.claim(started.id)

    lease_clock.advance(LEASE + 1)
    with pytest.raises(FencedError, match="lost its lease"):
        await a.operations.save_step(started.id, {"wave": 1})
    with pytest.raises(FencedError, match="lost its lease"):
        await a.apps.set_status(name, AppStatus(sync_status="Synced"))
    assert (await b.operations.get(started.id)).state == {}  # type: ignore[union-attr]


async def test_a_live_replica_keeps_its_step_and_a_dead_ones_step_is_taken_over(
    pair: tuple[Store, Store], lease_clock: Clock
) -> None:
    a, b = pair
    a.fencing.fence = await a.replicas.join("a", "a:1", LEASE)
    name = owned_by("a", [])
    await a.apps.upsert(app(name))
    started = await a.operations.start(name, request=SYNC, requested_by="alice")
    await a.operations.claim(started.id)  # a is applying a step
    b.fencing.fence = await b.replicas.join("b", "b:1", LEASE)
    moved = owned_by("b", ["a"])
    await a.apps.upsert(app(moved))
    with pytest.raises(FencedError, match="belongs to another replica"):
        await b.operations.claim(started.id)  # still a's app

    lease_clock.advance(LEASE / 2)
    assert await b.replicas.renew(b.fencing.fence, LEASE)
    lease_clock.advance(LEASE / 2 + 1)  # a's lease is gone; its app is b's now
    taken = await b.operations.claim(started.id)
    saved = await b.operations.save_step(taken.id, {"wave": 2})
    assert saved.state == {"wave": 2}
    with pytest.raises(FencedError):
        await a.operations.save_step(started.id, {"wave": 1})


async def test_a_joining_replica_takes_an_app_over_only_once_its_old_owner_stored_the_step(
    pair: tuple[Store, Store],
) -> None:
    a, b = pair
    a.fencing.fence = await a.replicas.join("a", "a:1", LEASE)
    name = owned_by("b", ["a"])  # a's while a is alone, b's once b joins
    await a.apps.upsert(app(name))
    started = await a.operations.start(name, request=SYNC, requested_by="alice")
    await a.operations.claim(started.id)  # a applies a step...
    b.fencing.fence = await b.replicas.join("b", "b:1", LEASE)  # ...when b joins
    with pytest.raises(StepClaimedError):
        await b.operations.claim(started.id)

    stored = await a.operations.save_step(started.id, {"wave": 1})  # a's step, stored
    taken = await b.operations.claim(started.id)
    assert taken.state == stored.state == {"wave": 1}
    with pytest.raises(FencedError, match="belongs to another replica"):
        await a.operations.claim(started.id)


async def test_a_batch_of_statuses_writes_only_the_apps_this_replica_owns(
    pair: tuple[Store, Store],
) -> None:
    a, b = pair
    a.fencing.fence = await a.replicas.join("a", "a:1", LEASE)
    await b.replicas.join("b", "b:1", LEASE)
    mine, theirs = owned_by("a", ["b"]), owned_by("b", ["a"])
    await a.apps.upsert(app(mine))
    await a.apps.upsert(app(theirs))

    written = await a.apps.set_statuses(
        {mine: AppStatus(sync_status="Synced"), theirs: AppStatus(sync_status="Synced")}
    )

    assert set(written) == {mine}
    assert (await b.apps.get(theirs)).status.sync_status != "Synced"  # type: ignore[union-attr]


async def test_a_fenced_write_in_flight_holds_up_a_leave_but_not_a_heartbeat(
    pair: tuple[Store, Store], lease_clock: Clock
) -> None:
    """The fence locks the live replicas' rows against removal only: a replica renewing its
    lease does not wait for the other replicas' writes (three per synced app)."""
    a, b = pair
    if a.backend == "sqlite":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer")
    fence = await b.replicas.join("b", "b:1", LEASE)
    async with a.database.writing() as session:
        assert await check(session, fence, lease_clock()) == {"b": fence.epoch}
        assert await asyncio.wait_for(b.replicas.renew(fence, LEASE), 10)
        leaving = asyncio.create_task(b.replicas.leave(fence))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(leaving), 0.5)
    await asyncio.wait_for(leaving, 10)
    assert await b.replicas.live() == []
