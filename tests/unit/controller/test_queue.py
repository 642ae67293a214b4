"""The reconcile work queue: merging, one holder per key, backoff, delayed adds, isolation."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from gitward.controller.queue import BackoffPolicy, WorkQueue, run_workers


async def next_key(queue: WorkQueue) -> str | None:
    return await asyncio.wait_for(queue.get(), timeout=5)


async def test_a_key_added_twice_while_waiting_is_handed_out_once() -> None:
    queue = WorkQueue()
    queue.add("dev")
    queue.add("dev")
    queue.add("prod")
    assert [await next_key(queue), await next_key(queue)] == ["dev", "prod"]
    assert len(queue) == 0


async def test_a_key_added_while_held_waits_until_the_holder_is_done() -> None:
    queue = WorkQueue()
    queue.add("dev")
    assert await next_key(queue) == "dev"
    queue.add("dev")
    assert len(queue) == 0  # not handed to a second worker while held
    queue.done("dev")
    assert await next_key(queue) == "dev"


async def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    policy = BackoffPolicy(base_s=2.0, factor=3.0, cap_s=300.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5, 6)] == [2, 6, 18, 54, 162, 300]


async def test_add_failed_schedules_the_key_and_forget_resets_the_count() -> None:
    queue = WorkQueue(BackoffPolicy(base_s=0.01))
    assert queue.add_failed("dev") == pytest.approx(0.01)
    assert queue.failures("dev") == 1
    assert await next_key(queue) == "dev"
    queue.forget("dev")
    assert queue.failures("dev") == 0


async def test_an_earlier_schedule_wins_over_a_later_one() -> None:
    queue = WorkQueue()
    queue.add_after("dev", 0.01)
    queue.add_after("dev", 3600)
    assert queue.depth == 1
    assert await next_key(queue) == "dev"


async def test_close_wakes_waiting_workers_and_drops_scheduled_keys() -> None:
    queue = WorkQueue()
    queue.add_after("dev", 3600)
    waiter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)  # let the waiter block on the empty queue
    queue.close()
    assert await asyncio.wait_for(waiter, timeout=5) is None
    assert queue.depth == 0


async def test_workers_isolate_a_failing_key_from_the_others() -> None:
    queue = WorkQueue(BackoffPolicy(base_s=0.001, cap_s=0.001))
    seen: dict[str, int] = {}
    settled = asyncio.Event()

    async def handle(key: str) -> bool:
        seen[key] = seen.get(key, 0) + 1
        if seen.get("flaky", 0) >= 3 and seen.get("broken", 0) >= 2 and "ok" in seen:
            settled.set()
        if key == "broken":
            raise RuntimeError("a bug in one app")
        return key != "flaky" or seen[key] >= 3

    for key in ("broken", "flaky", "ok"):
        queue.add(key)
    workers = asyncio.create_task(run_workers(queue, handle, workers=2))
    await asyncio.wait_for(settled.wait(), timeout=5)
    queue.close()
    await asyncio.wait_for(workers, timeout=5)
    assert seen["ok"] == 1
    assert seen["broken"] >= 2  # retried with backoff, never stopping the others
    assert seen["flaky"] >= 3


async def test_an_urgent_key_goes_ahead_of_those_that_are_not() -> None:
    queue = WorkQueue()
    for key in ("a", "b", "c"):
        queue.add(key)
    queue.add("hot", urgent=True)
    queue.add("hotter", urgent=True)
    assert [await next_key(queue) for _ in range(5)] == ["hot", "hotter", "a", "b", "c"]
    assert len(queue) == 0


async def test_a_waiting_key_made_urgent_moves_up_and_is_handed_out_once() -> None:
    queue = WorkQueue()
    for key in ("a", "b", "c"):
        queue.add(key)
    queue.add("c", urgent=True)
    queue.add("c")
    assert len(queue) == 3
    assert [await next_key(queue) for _ in range(3)] == ["c", "a", "b"]
    assert len(queue) == 0
    queue.add("d")
    assert await next_key(queue) == "d"  # the place "c" left is skipped, not handed out


async def test_an_urgent_add_while_held_goes_first_once_the_holder_is_done() -> None:
    queue = WorkQueue()
    queue.add("dev")
    assert await next_key(queue) == "dev"
    queue.add("a")
    queue.add("dev", urgent=True)
    assert len(queue) == 1  # "dev" is held: not handed to a second worker
    queue.done("dev")
    assert [await next_key(queue), await next_key(queue)] == ["dev", "a"]


async def test_an_urgent_key_due_now_goes_ahead() -> None:
    queue = WorkQueue()
    queue.add("a")
    queue.add_after("op", 0, urgent=True)
    assert [await next_key(queue), await next_key(queue)] == ["op", "a"]


async def test_cancelled_workers_all_end_before_run_workers_returns() -> None:
    """A worker whose reconcile swallows its cancellation (taking it for another task's) must
    not go on taking keys after its controller was cancelled."""
    queue = WorkQueue()
    handled: list[str] = []
    holding = asyncio.Event()

    async def handle(key: str) -> bool:
        handled.append(key)
        if key == "a":
            holding.set()
            # swallowed, as a path that took it for another task's would
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
        return True

    queue.add("a")
    running = asyncio.create_task(run_workers(queue, handle, workers=2))
    await holding.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    queue.add("b")
    for _ in range(5):
        await asyncio.sleep(0)
    assert handled == ["a"]
