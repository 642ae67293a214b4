"""Login rate limiting: per address, overall and per username; atomic; kept across restarts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from auth_builders import ManualClock
from sqlalchemy.ext.asyncio import create_async_engine

from gitward.server.auth.failures import RateLimitedError
from gitward.server.auth.ratelimit import (
    Allowance,
    LoginLimiter,
    LoginLimits,
    address_key,
    user_key,
)
from gitward.store import Store
from gitward.store.database import database_url

LIMITS = LoginLimits(
    per_address=Allowance(5, timedelta(seconds=60)),
    overall=Allowance(12, timedelta(seconds=10)),
    free_failures=3,
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(seconds=60),
)


@pytest.fixture
def limiter(store: Store, clock: ManualClock) -> LoginLimiter:
    return LoginLimiter(store, LIMITS, clock)


async def admitted(limiter: LoginLimiter, name: str, source: str) -> bool:
    try:
        await limiter.admit(name, source)
    except RateLimitedError:
        return False
    return True


def random_name() -> str:
    return uuid.uuid4().hex


async def test_random_usernames_from_one_address_run_into_the_address_bucket(
    limiter: LoginLimiter,
) -> None:
    results = [await admitted(limiter, random_name(), "203.0.113.7") for _ in range(20)]

    assert results == [True] * 5 + [False] * 15
    assert await admitted(limiter, random_name(), "203.0.113.8") is True


async def test_the_address_bucket_lets_one_more_through_each_interval(
    limiter: LoginLimiter, clock: ManualClock
) -> None:
    for _ in range(5):
        await limiter.admit(random_name(), "203.0.113.7")

    with pytest.raises(RateLimitedError) as caught:
        await limiter.admit(random_name(), "203.0.113.7")
    clock.advance(seconds=60)

    assert caught.value.retry_after == 60
    assert caught.value.code == "rate_limited"
    assert await admitted(limiter, random_name(), "203.0.113.7") is True
    assert await admitted(limiter, random_name(), "203.0.113.7") is False


async def test_a_flood_spread_over_many_addresses_runs_into_the_overall_bucket(
    limiter: LoginLimiter,
) -> None:
    results = [await admitted(limiter, random_name(), f"198.51.100.{n}") for n in range(30)]

    assert results == [True] * 12 + [False] * 18


async def test_addresses_of_one_ipv6_slash_64_share_a_bucket(limiter: LoginLimiter) -> None:
    sources = [f"2001:db8:1:2::{n:x}" for n in range(1, 8)]

    results = [await admitted(limiter, random_name(), source) for source in sources]

    assert results == [True] * 5 + [False] * 2
    assert await admitted(limiter, random_name(), "2001:db8:1:3::1") is True


async def test_failures_for_one_username_make_it_wait_twice_as_long_each_time(
    limiter: LoginLimiter, clock: ManualClock
) -> None:
    waits: list[float] = []
    for n in range(8):
        source = f"192.0.2.{n}"  # a fresh address each time: only the username limits
        try:
            await limiter.admit("Admin", source)
        except RateLimitedError as err:
            waits.append(err.retry_after)
            clock.advance(seconds=err.retry_after)
            await limiter.admit("admin ", source)

    assert waits == [2, 4, 8, 16, 32]


async def test_a_username_lockout_is_capped(limiter: LoginLimiter, clock: ManualClock) -> None:
    waits: list[float] = []
    for n in range(12):
        try:
            await limiter.admit("admin", f"192.0.2.{n}")
        except RateLimitedError as err:
            waits.append(err.retry_after)
            clock.advance(seconds=err.retry_after)
            await limiter.admit("admin", f"192.0.2.{n}")

    assert max(waits) == 60


async def test_a_success_clears_the_username_and_refunds_the_address(
    limiter: LoginLimiter,
) -> None:
    for _ in range(2):
        await limiter.admit("alice", "203.0.113.7")
    admission = await limiter.admit("alice", "203.0.113.7")  # the last free one

    await limiter.succeeded(admission)

    results = [await admitted(limiter, "alice", "203.0.113.7")]
    results += [await admitted(limiter, random_name(), "203.0.113.7") for _ in range(3)]
    assert results == [True, True, True, False]  # 3 charged, 1 refunded: 3 left of 5


async def test_the_attempt_using_up_the_free_failures_makes_the_next_one_wait(
    limiter: LoginLimiter,
) -> None:
    results = [await admitted(limiter, "alice", f"192.0.2.{n}") for n in range(5)]

    assert results == [True, True, True, False, False]


async def test_concurrent_attempts_never_exceed_the_allowance(limiter: LoginLimiter) -> None:
    results = await asyncio.gather(
        *(admitted(limiter, random_name(), "203.0.113.7") for _ in range(25))
    )

    assert results.count(True) == 5


async def test_concurrent_attempts_from_two_processes_never_exceed_the_allowance(
    store: Store, store_url: str, data_dir: Path, clock: ManualClock
) -> None:
    async with await Store.open(store_url, data_dir=data_dir, env={}, clock=clock) as other:
        limiters = [LoginLimiter(store, LIMITS, clock), LoginLimiter(other, LIMITS, clock)]
        results = await asyncio.gather(
            *(admitted(limiters[n % 2], random_name(), "203.0.113.7") for n in range(20))
        )

    assert results.count(True) == 5


async def test_the_limits_survive_reopening_the_store(
    store: Store, store_url: str, data_dir: Path, clock: ManualClock
) -> None:
    for _ in range(5):
        await LoginLimiter(store, LIMITS, clock).admit(random_name(), "203.0.113.7")
    for n in range(3):
        await LoginLimiter(store, LIMITS, clock).admit("bob", f"192.0.2.{n}")
    await store.close()

    async with await Store.open(store_url, data_dir=data_dir, env={}, clock=clock) as reopened:
        limiter = LoginLimiter(reopened, LIMITS, clock)
        assert await admitted(limiter, random_name(), "203.0.113.7") is False
        assert await admitted(limiter, "bob", "192.0.2.99") is False


async def test_buckets_are_forgotten_once_drained(
    limiter: LoginLimiter, clock: ManualClock, store_url: str
) -> None:
    for n in range(10):
        await limiter.admit(random_name(), f"198.51.100.{n}")
    clock.advance(hours=2)
    await limiter.admit("alice", "203.0.113.7")

    assert await count_rows(store_url) == 3  # alice's address, the overall bucket, alice


async def count_rows(store_url: str) -> int:
    engine = create_async_engine(database_url(store_url))
    try:
        async with engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM login_throttle")
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("203.0.113.7", "addr:203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "addr:2001:db8:1:2::/64"),
        ("[2001:db8::1]", "addr:2001:db8::/64"),
        ("::ffff:203.0.113.7", "addr:203.0.113.7"),
        ("testclient", "addr:unknown"),
        (None, "addr:unknown"),
    ],
)
def test_a_source_address_is_bucketed_by_host_or_ipv6_prefix(source: str | None, key: str) -> None:
    assert address_key(source) == key


def test_a_username_bucket_ignores_case_and_keeps_no_name() -> None:
    assert user_key("Admin ") == user_key("admin")
    assert "admin" not in user_key("admin")
    assert len(user_key("x" * 10_000)) == len(user_key("a"))
