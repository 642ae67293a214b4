"""Operations: one live per app (held by the database itself), saved steps, terminate, finish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from store_builders import TickingClock, app

from gitward.store import (
    OperationPhase,
    OperationRunningError,
    RecordNotFoundError,
    Store,
    StoreError,
)
from gitward.store.database import database_url
from gitward.store.operations import KEEP_FINISHED

SYNC = {"sync": {"revision": "main", "prune": True}}


@pytest.fixture
async def guestbook(store: Store) -> str:
    await store.apps.upsert(app("guestbook"))
    return "guestbook"


async def test_a_started_operation_is_running_with_its_request(
    store: Store, guestbook: str
) -> None:
    started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")

    assert started.phase is OperationPhase.RUNNING
    assert (started.request, started.requested_by, started.terminate) == (SYNC, "alice", False)
    assert started.finished_at is None
    assert await store.operations.current(guestbook) == started
    assert await store.operations.get(started.id) == started


async def test_a_second_operation_on_the_same_app_is_refused(store: Store, guestbook: str) -> None:
    first = await store.operations.start(guestbook, request=SYNC, requested_by="alice")

    with pytest.raises(OperationRunningError) as caught:
        await store.operations.start(guestbook, request=SYNC, requested_by="bob")

    assert first.id in caught.value.message
    assert "Application guestbook" in caught.value.message
    assert [op.id for op in await store.operations.running()] == [first.id]


async def test_of_two_operations_started_at_once_exactly_one_runs(
    store: Store, guestbook: str
) -> None:
    results = await asyncio.gather(
        *(store.operations.start(guestbook, request=SYNC, requested_by=f"u{n}") for n in range(4)),
        return_exceptions=True,
    )

    started = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, OperationRunningError)]
    assert (len(started), len(refused)) == (1, 3)


async def test_the_database_itself_refuses_a_second_live_operation(
    store: Store, store_url: str, guestbook: str
) -> None:
    await store.operations.start(guestbook, request=SYNC, requested_by="alice")
    engine = create_async_engine(database_url(store_url))
    insert = sa.text(
        "INSERT INTO operations (id, app, phase, message, request, state, requested_by, "
        "terminate, created_at, updated_at) VALUES ('sneaky', 'guestbook', 'Terminating', '', "
        "'{}', '{}', 'mallory', false, '2025-01-01', '2025-01-01')"
    )
    try:
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(insert)
    finally:
        await engine.dispose()


async def test_an_operation_on_an_unknown_app_is_refused(store: Store) -> None:
    with pytest.raises(RecordNotFoundError, match="Application nobody"):
        await store.operations.start("nobody", request=SYNC, requested_by="alice")


async def test_a_saved_step_reads_back_after_reopening_the_store(
    store: Store, store_url: str, data_dir: Path, guestbook: str
) -> None:
    started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")
    state = {"tasks": [{"kind": "Deployment", "name": "web", "wave": 0, "result": "Synced"}]}
    await store.operations.save_step(started.id, state, message="wave 0 applied")
    await store.close()

    reopened = await Store.open(store_url, data_dir=data_dir, env={})
    try:
        running = await reopened.operations.running()
    finally:
        await reopened.close()

    assert [(op.id, op.state, op.message) for op in running] == [
        (started.id, state, "wave 0 applied")
    ]


async def test_running_lists_the_live_operations_of_every_app_oldest_first(
    store: Store,
) -> None:
    for name in ("b", "a", "c"):
        await store.apps.upsert(app(name))
    first = await store.operations.start("b", request=SYNC, requested_by="x")
    second = await store.operations.start("a", request=SYNC, requested_by="x")
    done = await store.operations.start("c", request=SYNC, requested_by="x")
    await store.operations.finish(done.id, OperationPhase.SUCCEEDED)

    assert [op.id for op in await store.operations.running()] == [first.id, second.id]


async def test_terminating_marks_the_live_operation_which_still_counts_as_live(
    store: Store, guestbook: str
) -> None:
    started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")

    terminating = await store.operations.terminate(guestbook)

    assert terminating is not None
    assert (terminating.id, terminating.phase, terminating.terminate) == (
        started.id,
        OperationPhase.TERMINATING,
        True,
    )
    with pytest.raises(OperationRunningError):
        await store.operations.start(guestbook, request=SYNC, requested_by="bob")
    assert [op.id for op in await store.operations.running()] == [started.id]


async def test_terminating_an_app_without_an_operation_does_nothing(
    store: Store, guestbook: str
) -> None:
    assert await store.operations.terminate(guestbook) is None


async def test_a_finished_operation_keeps_its_final_state_and_frees_the_app(
    store: Store, clock: TickingClock, guestbook: str
) -> None:
    started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")

    finished = await store.operations.finish(
        started.id, OperationPhase.FAILED, message="one or more objects failed", state={"x": 1}
    )

    assert (finished.phase, finished.message, finished.state) == (
        OperationPhase.FAILED,
        "one or more objects failed",
        {"x": 1},
    )
    assert finished.finished_at == clock.now
    assert await store.operations.current(guestbook) is None
    assert await store.operations.latest(guestbook) == finished
    again = await store.operations.start(guestbook, request=SYNC, requested_by="bob")
    assert await store.operations.latest(guestbook) == again


async def test_a_finished_operation_takes_no_more_steps_and_cannot_finish_twice(
    store: Store, guestbook: str
) -> None:
    started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")
    await store.operations.finish(started.id, OperationPhase.SUCCEEDED)

    with pytest.raises(StoreError, match="already finished"):
        await store.operations.save_step(started.id, {"late": True})
    with pytest.raises(StoreError, match="already finished"):
        await store.operations.finish(started.id, OperationPhase.ERROR)
    assert (await store.operations.get(started.id)).phase is OperationPhase.SUCCEEDED  # type: ignore[union-attr]


async def test_an_operation_cannot_finish_in_a_live_phase(store: Store, guestbook: str) -> None:
    started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")

    with pytest.raises(StoreError, match="cannot finish as Running"):
        await store.operations.finish(started.id, OperationPhase.RUNNING)


async def test_steps_of_an_unknown_operation_are_refused(store: Store) -> None:
    with pytest.raises(RecordNotFoundError, match="no such operation"):
        await store.operations.save_step("no-such-id", {})


async def test_only_the_newest_finished_operations_of_an_app_are_kept(
    store: Store, guestbook: str
) -> None:
    ids = []
    for _ in range(KEEP_FINISHED + 3):
        started = await store.operations.start(guestbook, request=SYNC, requested_by="alice")
        await store.operations.finish(started.id, OperationPhase.SUCCEEDED)
        ids.append(started.id)

    kept = [op_id for op_id in ids if await store.operations.get(op_id) is not None]

    assert kept == ids[-KEEP_FINISHED:]
