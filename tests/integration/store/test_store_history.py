"""Deployment history: ids per app, trimmed to the app's revisionHistoryLimit, oldest first."""

from __future__ import annotations

import pytest
from store_builders import TickingClock, app

from gitward.store import OperationPhase, RecordNotFoundError, Store

SOURCE = {
    "repoURL": "https://github.com/org/repo",
    "path": "apps/guestbook",
    "targetRevision": "main",
}


async def deploy(store: Store, app_name: str, number: int) -> int:
    entry = await store.history.record(
        app_name,
        revision="main",
        commit_sha=f"{number:040x}",
        source=SOURCE,
        initiated_by="automated",
    )
    return entry.id


async def test_a_recorded_deployment_reads_back_with_every_field(
    store: Store, clock: TickingClock
) -> None:
    await store.apps.upsert(app("guestbook"))

    entry = await store.history.record(
        "guestbook",
        revision="v1.2.0",
        commit_sha="c" * 40,
        source=[SOURCE, {"repoURL": "https://charts.example.com", "chart": "redis"}],
        initiated_by="alice",
        phase=OperationPhase.FAILED,
        message="one object failed",
    )

    assert await store.history.list("guestbook") == [entry]
    assert await store.history.get("guestbook", entry.id) == entry
    assert (entry.id, entry.revision, entry.commit_sha, entry.initiated_by) == (
        1,
        "v1.2.0",
        "c" * 40,
        "alice",
    )
    assert entry.source[1]["chart"] == "redis"
    assert (entry.phase, entry.message, entry.deployed_at) == (
        OperationPhase.FAILED,
        "one object failed",
        clock.now,
    )


async def test_history_is_listed_newest_first_with_ids_counting_up_per_app(store: Store) -> None:
    await store.apps.upsert(app("a"))
    await store.apps.upsert(app("b"))
    for number in range(3):
        await deploy(store, "a", number)
    await deploy(store, "b", 9)

    assert [entry.id for entry in await store.history.list("a")] == [3, 2, 1]
    assert [entry.id for entry in await store.history.list("b")] == [1]


async def test_history_is_capped_at_ten_by_default_dropping_the_oldest(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    for number in range(13):
        await deploy(store, "guestbook", number)

    entries = await store.history.list("guestbook")

    assert [entry.id for entry in entries] == list(range(13, 3, -1))
    assert entries[-1].commit_sha == f"{3:040x}"


async def test_history_is_capped_at_the_apps_own_limit(store: Store) -> None:
    await store.apps.upsert(app("guestbook", history_limit=2))
    for number in range(5):
        await deploy(store, "guestbook", number)

    assert [entry.id for entry in await store.history.list("guestbook")] == [5, 4]


async def test_a_lower_limit_applies_at_the_next_deployment(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    for number in range(6):
        await deploy(store, "guestbook", number)

    await store.apps.upsert(app("guestbook", history_limit=1))
    assert len(await store.history.list("guestbook")) == 6
    await deploy(store, "guestbook", 7)

    assert [entry.id for entry in await store.history.list("guestbook")] == [7]


async def test_ids_are_never_reused_after_trimming_or_a_limit_of_zero(store: Store) -> None:
    await store.apps.upsert(app("guestbook", history_limit=0))
    for number in range(3):
        await deploy(store, "guestbook", number)
    assert await store.history.list("guestbook") == []

    await store.apps.upsert(app("guestbook", history_limit=5))

    assert await deploy(store, "guestbook", 4) == 4


async def test_history_of_an_unknown_app_is_refused(store: Store) -> None:
    with pytest.raises(RecordNotFoundError, match="Application nobody"):
        await deploy(store, "nobody", 1)


async def test_an_unknown_entry_reads_as_none(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))

    assert await store.history.get("guestbook", 42) is None


async def test_finishing_and_recording_in_one_transaction_commit_together(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    started = await store.operations.start("guestbook", request={}, requested_by="alice")

    async with store.transaction() as tx:
        await tx.operations.finish(started.id, OperationPhase.SUCCEEDED)
        await tx.history.record(
            "guestbook", revision="main", commit_sha="a" * 40, source=SOURCE, initiated_by="alice"
        )

    assert await store.operations.current("guestbook") is None
    assert len(await store.history.list("guestbook")) == 1


async def test_a_transaction_that_raises_leaves_nothing_behind(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    started = await store.operations.start("guestbook", request={}, requested_by="alice")

    with pytest.raises(RuntimeError, match="controller died"):
        async with store.transaction() as tx:
            await tx.operations.finish(started.id, OperationPhase.SUCCEEDED)
            await tx.history.record(
                "guestbook", revision="main", commit_sha="a" * 40, source={}, initiated_by="x"
            )
            raise RuntimeError("controller died")

    assert (await store.operations.current("guestbook")) is not None
    assert await store.history.list("guestbook") == []
