"""The audit log: appended, listed newest first, scrubbed of secrets, and never changed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from store_builders import TickingClock

from gitward.redaction import MASK
from gitward.store import AuditAction, Store, StoreConfigError
from gitward.store.audit import Audit
from gitward.store.database import database_url


async def test_an_appended_entry_reads_back_with_every_field(
    store: Store, clock: TickingClock
) -> None:
    entry = await store.audit.append(
        "alice", AuditAction.SYNC, "Application guestbook", {"revision": "main", "prune": True}
    )

    assert await store.audit.list() == [entry]
    assert (entry.actor, entry.action, entry.target, entry.at) == (
        "alice",
        AuditAction.SYNC,
        "Application guestbook",
        clock.now,
    )
    assert entry.details == {"revision": "main", "prune": True}


async def test_entries_are_listed_newest_first_and_filtered(store: Store) -> None:
    await store.audit.append("alice", "create", "Application a")
    await store.audit.append("bob", "sync", "Application a")
    await store.audit.append("alice", "login", "session")
    await store.audit.append("alice", "rollback", "Application b")

    async def actions(**filters: object) -> list[str]:
        return [entry.action.value for entry in await store.audit.list(**filters)]  # type: ignore[arg-type]

    assert await actions() == ["rollback", "login", "sync", "create"]
    assert await actions(target="Application a") == ["sync", "create"]
    assert await actions(actor="alice") == ["rollback", "login", "create"]
    assert await actions(action=AuditAction.LOGIN) == ["login"]
    assert await actions(limit=2) == ["rollback", "login"]


async def test_pages_continue_before_the_last_id_seen(store: Store) -> None:
    for number in range(5):
        await store.audit.append("alice", "update", f"Application {number}")

    first = await store.audit.list(limit=2)
    second = await store.audit.list(limit=2, before_id=first[-1].id)
    last = await store.audit.list(limit=2, before_id=second[-1].id)

    assert [e.target for e in first + second + last] == [
        f"Application {n}" for n in range(4, -1, -1)
    ]


async def test_entries_since_a_moment_exclude_older_ones(store: Store, clock: TickingClock) -> None:
    await store.audit.append("alice", "update", "old")
    moment = clock.now
    await store.audit.append("alice", "update", "new")

    assert [entry.target for entry in await store.audit.list(since=moment)] == ["new", "old"]
    assert [entry.target for entry in await store.audit.list(since=clock.now)] == ["new"]


async def test_secrets_in_details_are_masked_before_they_are_written(store: Store) -> None:
    entry = await store.audit.append(
        "admin",
        "update",
        "repository https://github.com/org/repo",
        {
            "password": "hunter2",
            "sshPrivateKey": "-----BEGIN KEY-----",
            "repo": {"url": "https://bob:tok3n@example.com/r.git", "bearer_token": "abcdef"},
            "headers": ["Authorization: Bearer abcdefghijkl"],
            "username": "bob",
        },
    )

    stored = (await store.audit.list())[0].details
    assert stored == entry.details
    assert stored["password"] == stored["sshPrivateKey"] == MASK
    assert stored["repo"] == {"url": f"https://{MASK}@example.com/r.git", "bearer_token": MASK}
    assert "abcdefghijkl" not in str(stored)
    assert stored["username"] == "bob"


async def test_an_unknown_action_is_refused(store: Store) -> None:
    with pytest.raises(StoreConfigError, match="unknown audit action 'explode'"):
        await store.audit.append("alice", "explode", "Application a")

    assert await store.audit.list() == []


def test_the_audit_api_offers_no_way_to_change_or_remove_entries() -> None:
    public = {name for name in dir(Audit) if not name.startswith("_")}

    assert public == {"append", "list"}


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"],
)
async def test_the_database_refuses_to_change_or_remove_audit_entries(
    store: Store, store_url: str, statement: str
) -> None:
    await store.audit.append("alice", "sync", "Application a")
    engine = create_async_engine(database_url(store_url))
    try:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()

    assert [entry.actor for entry in await store.audit.list()] == ["alice"]
