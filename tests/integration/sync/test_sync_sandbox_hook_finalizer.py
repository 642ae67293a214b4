"""The hook finalizer against the sandbox: a hook object cannot vanish before the sync has
stored how it ended, and no hook keeps the finalizer once its operation is over."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sync_harness import (
    DELETE_POLICY,
    Harness,
    application,
    config_map,
    job_hook,
    pod_hook,
    results,
    waved,
)

from gitward.model.annotations import HOOK_FINALIZER
from gitward.sync import OperationPhase, SyncOperation, TaskStatus

BROKEN = "registry.example/app:missing"


def short_lived(job: dict[str, Any]) -> dict[str, Any]:
    """A Job that Kubernetes deletes the moment it finishes."""
    job["spec"]["ttlSecondsAfterFinished"] = 0
    return job


def suspended(job: dict[str, Any]) -> dict[str, Any]:
    """A Job that never finishes: its hook keeps running."""
    job["spec"]["suspend"] = True
    return job


def finalizers(obj: dict[str, Any] | None) -> list[str]:
    return list(((obj or {}).get("metadata") or {}).get("finalizers") or [])


async def eventually(check: Callable[[], Awaitable[Any]], what: str, within: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (``what``); TimeoutError after
    ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(0.01)


async def step_until(
    harness: Harness,
    desired: list[dict[str, Any]],
    state: SyncOperation,
    reached: Callable[[SyncOperation], bool],
) -> SyncOperation:
    async with asyncio.timeout(10.0):
        while not reached(state):
            assert not state.completed, state.message
            state = await harness.step(state, desired)
            await asyncio.sleep(0.01)
    return state


async def held_hooks(harness: Harness) -> list[str]:
    """``kind/name`` of every Job and Pod in ``dev`` that still carries the hook finalizer."""
    held = []
    for group, kind in (("batch", "Job"), ("", "Pod")):
        listed = await harness.cluster.list(group, kind, namespace="dev")
        held += [
            f"{kind}/{obj['metadata']['name']}"
            for obj in listed.items
            if HOOK_FINALIZER in finalizers(obj)
        ]
    return held


async def test_a_hook_job_deleted_as_soon_as_it_finishes_is_still_seen_to_succeed(
    harness: Harness,
):
    hook = short_lived(job_hook("PreSync", "migrate"))
    desired = [hook, config_map("settings")]
    state = await harness.step(harness.start(), desired)
    created = await harness.get(hook)
    assert HOOK_FINALIZER in finalizers(created)

    async def terminating() -> dict[str, Any] | None:
        live = await harness.get(hook)
        return live if live and live["metadata"].get("deletionTimestamp") else None

    kept = await eventually(terminating, "the TTL controller deleting the finished Job")
    assert HOOK_FINALIZER in finalizers(kept)

    done = await harness.run(desired, state=state)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert results(done)["Job/migrate"] == ("succeeded", "created")
    assert "deleted before it finished" not in done.results[0].message
    assert not done.results[0].finalizer
    await eventually(lambda: _gone(harness, hook), "the Job gone once its finalizer was removed")


async def _gone(harness: Harness, manifest: dict[str, Any]) -> bool:
    return await harness.get(manifest) is None


async def test_the_hook_finalizer_is_removed_before_the_delete_policy_deletes_the_hook(
    harness: Harness,
):
    hook = job_hook("PostSync", "smoke", **{DELETE_POLICY: "HookSucceeded"})

    done = await harness.run([config_map("settings"), hook])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert "deleted (HookSucceeded)" in results_of(done, "smoke").message
    assert await harness.get(hook) is None
    assert [w for w in harness.writes() if w[1] == "Job"] == [
        ("apply", "Job", "smoke"),
        ("patch", "Job", "smoke"),
        ("delete", "Job", "smoke"),
    ]


def results_of(state: SyncOperation, name: str):
    return next(r for r in state.results if r.key.name == name)


async def test_a_terminated_operation_leaves_no_hook_holding_the_finalizer(harness: Harness):
    finished = job_hook("PreSync", "prepare")
    stuck = suspended(job_hook("Sync", "wait-forever"))
    desired = [finished, stuck, config_map("settings")]

    def stuck_running(state: SyncOperation) -> bool:
        return results(state).get("Job/wait-forever", ("",))[0] == "running"

    state = await step_until(harness, desired, harness.start(), stuck_running)
    assert "Job/wait-forever" in await held_hooks(harness)

    done = await harness.step(state.terminate(), desired)

    assert done.phase is OperationPhase.FAILED, done.message
    assert done.message == "Operation terminated"
    assert await held_hooks(harness) == []
    assert await harness.get(stuck) is None
    assert await harness.get(finished) is not None
    assert not any(r.finalizer for r in done.results)


async def test_a_failed_operation_leaves_no_hook_holding_the_finalizer(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    desired = [
        pod_hook("PreSync", "check", BROKEN),
        suspended(job_hook("PreSync", "still-running")),
        waved(config_map("never"), 1),
    ]

    done = await harness.run(desired)

    assert done.phase is OperationPhase.FAILED
    assert results(done)["Pod/check"][0] == "failed"
    assert await held_hooks(harness) == []
    assert await harness.get(config_map("never")) is None


async def test_a_restart_between_a_hook_finishing_and_its_release_finishes_cleanly(
    harness: Harness,
):
    hook = short_lived(job_hook("PreSync", "migrate", **{DELETE_POLICY: "HookSucceeded"}))
    desired = [hook, config_map("settings")]

    def ended_and_held(state: SyncOperation) -> bool:
        found = state.results[0] if state.results else None
        return found is not None and found.status is TaskStatus.SUCCEEDED and found.finalizer

    stored = await step_until(harness, desired, harness.start(), ended_and_held)
    assert HOOK_FINALIZER in finalizers(await harness.get(hook))

    lost = await harness.run(desired, state=stored)  # its states are never stored: a restart
    again = await harness.run(desired, state=stored)

    for done in (lost, again):
        assert done.phase is OperationPhase.SUCCEEDED, done.message
        assert results(done)["Job/migrate"] == ("succeeded", "created")
        assert "deleted (HookSucceeded)" in results_of(done, "migrate").message
    assert await harness.get(hook) is None
    assert await held_hooks(harness) == []


async def test_a_plan_that_fails_after_a_hook_ended_releases_the_hook_and_ends(
    harness: Harness,
) -> None:
    hook = job_hook("PreSync", "migrate")
    desired = [hook, waved(config_map("settings"), 0)]

    def ended_holding(state: SyncOperation) -> bool:
        return any(r.status is TaskStatus.SUCCEEDED and r.finalizer for r in state.results)

    state = await step_until(harness, desired, harness.start(), ended_holding)
    unplannable = application(options=("PrunePropagationPolicy=bogus",))
    for _ in range(3):  # one step ends it; a loop that never ends fails here
        if state.completed:
            break
        state = await harness.step(state, desired, app=unplannable)

    assert state.phase is OperationPhase.FAILED, state.message
    assert "PrunePropagationPolicy" in state.message
    assert await held_hooks(harness) == []
