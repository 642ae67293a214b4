"""Local accounts, API token ids, the sealed signing key and rate-limit buckets in the store."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_store_credentials import raw_dump

from gitward.store import RecordNotFoundError, Store, StoreConfigError
from gitward.store.accounts import AccountCapability, ThrottleChange, ThrottleState

HASH = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
OTHER_HASH = "$argon2id$v=19$m=8,t=1,p=1$b3RoZXJzYWx0$b3RoZXJoYXNo"
AT = datetime(2025, 1, 1, tzinfo=UTC)


async def test_an_account_is_added_once_and_reads_back_without_its_hash(store: Store) -> None:
    added = await store.accounts.add("admin", HASH)
    again = await store.accounts.add("admin", OTHER_HASH)

    assert added is not None
    assert again is None
    assert added.capabilities == frozenset({AccountCapability.LOGIN})
    assert await store.accounts.get("admin") == added
    assert await store.accounts.list() == [added]
    assert HASH not in repr(added)
    assert await store.accounts.password_hash("admin") == HASH


async def test_accounts_added_at_once_under_one_name_make_exactly_one(store: Store) -> None:
    results = await asyncio.gather(*(store.accounts.add("admin", HASH) for _ in range(5)))

    assert sum(result is not None for result in results) == 1


async def test_a_new_password_hash_moves_password_changed_at(store: Store) -> None:
    added = await store.accounts.add("alice", HASH)
    changed = await store.accounts.set_password("alice", OTHER_HASH)

    assert added is not None
    assert changed.password_changed_at > added.password_changed_at
    assert await store.accounts.password_hash("alice") == OTHER_HASH


async def test_an_account_can_be_disabled_and_given_api_keys(store: Store) -> None:
    await store.accounts.add("ci", HASH, capabilities=[AccountCapability.LOGIN])

    record = await store.accounts.update(
        "ci", enabled=False, capabilities=[AccountCapability.API_KEY]
    )

    assert (record.enabled, record.capabilities) == (False, {AccountCapability.API_KEY})


async def test_an_unknown_account_is_not_found_naming_it(store: Store) -> None:
    with pytest.raises(RecordNotFoundError, match="account ghost"):
        await store.accounts.set_password("ghost", HASH)

    assert await store.accounts.password_hash("ghost") is None
    assert await store.accounts.delete("ghost") is False


@pytest.mark.parametrize(
    ("name", "password_hash", "field"),
    [
        ("", HASH, "name"),
        ("proj:a:b", HASH, "name"),
        ("with space", HASH, "name"),
        ("alice", "plain-text-password", "password"),
    ],
)
async def test_an_unusable_account_is_refused_naming_the_field(
    store: Store, name: str, password_hash: str, field: str
) -> None:
    with pytest.raises(StoreConfigError) as caught:
        await store.accounts.add(name, password_hash)

    assert caught.value.where.field == field
    assert "plain-text-password" not in caught.value.message


async def test_tokens_are_kept_by_id_and_revoked_in_place(store: Store) -> None:
    await store.accounts.add("ci", HASH, capabilities=[AccountCapability.API_KEY])
    kept = await store.accounts.add_token("t1", "ci", issued_at=AT, description="pipeline")
    role = await store.accounts.add_token(
        "t2", "proj:shop:deployer", issued_at=AT + timedelta(seconds=1), expires_at=AT
    )

    assert await store.accounts.revoke_token("t1") is True
    assert await store.accounts.revoke_token("missing") is False
    revoked = await store.accounts.get_token("t1")
    assert revoked is not None
    assert (revoked.revoked, revoked.description) == (True, "pipeline")
    assert revoked.revoked_at is not None
    assert kept.revoked is False
    assert [t.id for t in await store.accounts.list_tokens()] == ["t1", "t2"]
    assert await store.accounts.list_tokens("proj:shop:deployer") == [role]


async def test_deleting_an_account_forgets_its_tokens(store: Store) -> None:
    await store.accounts.add("ci", HASH)
    await store.accounts.add_token("t1", "ci", issued_at=AT)

    assert await store.accounts.delete("ci") is True

    assert await store.accounts.get_token("t1") is None
    assert await store.accounts.get("ci") is None


async def test_the_signing_key_is_made_once_and_kept_sealed(
    store: Store, store_url: str, data_dir: Path
) -> None:
    first = await store.accounts.signing_key()
    assert await store.accounts.signing_key() == first
    await store.close()

    async with await Store.open(store_url, data_dir=data_dir, env={}) as reopened:
        assert await reopened.accounts.signing_key() == first
    assert len(first) == 64
    assert first.hex() not in await raw_dump(store_url, "signing_keys")


async def test_stores_asking_for_the_signing_key_at_once_agree(
    store: Store, store_url: str, data_dir: Path
) -> None:
    async with await Store.open(store_url, data_dir=data_dir, env={}) as other:
        keys = await asyncio.gather(
            *(holder.accounts.signing_key() for holder in (store, other, store, other))
        )

    assert len(set(keys)) == 1


def bump(at: datetime) -> ThrottleChange[dict[str, float]]:
    """A change that adds one to every bucket and answers with the levels it saw."""

    def change(
        current: Mapping[str, ThrottleState | None],
    ) -> tuple[dict[str, ThrottleState | None], dict[str, float]]:
        seen = {key: 0.0 if state is None else state.level for key, state in current.items()}
        written: dict[str, ThrottleState | None] = {
            key: ThrottleState(key, level + 1, 0, at, at + timedelta(hours=1))
            for key, level in seen.items()
        }
        return written, seen

    return change


async def test_throttle_buckets_change_atomically_under_concurrency(store: Store) -> None:
    change = bump(datetime.now(UTC))
    seen = await asyncio.gather(
        *(store.accounts.adjust_throttles(["addr:a", "global"], change) for _ in range(10))
    )

    assert sorted(answer["global"] for answer in seen) == [float(n) for n in range(10)]


async def test_throttle_buckets_outlive_the_store_and_are_swept_once_expired(
    store: Store, store_url: str, data_dir: Path
) -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    await store.accounts.adjust_throttles(["global"], bump(now))
    await store.close()

    async with await Store.open(store_url, data_dir=data_dir, env={}, clock=lambda: now) as again:
        seen = await again.accounts.adjust_throttles(["global"], bump(now))
    later = now + timedelta(hours=2)
    async with await Store.open(store_url, data_dir=data_dir, env={}, clock=lambda: later) as last:
        swept = await last.accounts.adjust_throttles(["global"], bump(later))

    assert seen == {"global": 1.0}
    assert swept == {"global": 0.0}


async def test_a_bucket_set_to_none_is_forgotten(store: Store) -> None:
    now = datetime.now(UTC)
    await store.accounts.adjust_throttles(["user:x"], bump(now))

    def forget(
        current: Mapping[str, ThrottleState | None],
    ) -> tuple[dict[str, ThrottleState | None], bool]:
        return dict.fromkeys(current), current["user:x"] is not None

    assert await store.accounts.adjust_throttles(["user:x"], forget) is True
    assert await store.accounts.adjust_throttles(["user:x"], forget) is False


async def test_an_ended_session_is_remembered_until_it_would_have_expired(
    store: Store, store_url: str, data_dir: Path
) -> None:
    expiry = datetime(2025, 1, 2, tzinfo=UTC)
    await store.accounts.end_session("s1", "alice", expiry)
    await store.accounts.end_session("s1", "alice", expiry)  # twice is once

    assert await store.accounts.session_ended("s1") is True
    assert await store.accounts.session_ended("s2") is False
    later = expiry + timedelta(seconds=1)
    async with await Store.open(store_url, data_dir=data_dir, env={}, clock=lambda: later) as again:
        await again.accounts.end_session("s2", "bob", later + timedelta(hours=1))
        assert await again.accounts.session_ended("s1") is False
