"""Hooks against the sandbox: phases in order, delete policies, generateName, SyncFail."""

from __future__ import annotations

from sync_harness import (
    DELETE_POLICY,
    OPTIONS,
    Harness,
    config_map,
    deployment,
    job_hook,
    notes,
    pod_hook,
    results,
    waved,
    widget,
)

from gitward.sync import OperationPhase, SyncRequest

BROKEN = "registry.example/app:missing"


async def test_presync_then_sync_then_postsync_each_waiting_for_the_one_before(
    harness: Harness,
):
    desired = [
        job_hook("PostSync", "smoke"),
        config_map("settings"),
        job_hook("PreSync", "migrate"),
    ]

    done = await harness.run(desired)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert harness.applied() == [("Job", "migrate"), ("ConfigMap", "settings"), ("Job", "smoke")]
    assert results(done) == {
        "Job/migrate": ("succeeded", "created"),
        "ConfigMap/settings": ("succeeded", "created"),
        "Job/smoke": ("succeeded", "created"),
    }


async def test_a_generate_name_hook_is_created_under_a_name_of_this_operation(harness: Harness):
    state = harness.start(SyncRequest(revision="abcdef0123"))

    done = await harness.run([job_hook("PreSync", generate_name="migrate-")], state=state)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    expected = f"migrate-abcdef0-presync-{state.id}"
    assert harness.applied() == [("Job", expected)]
    assert await harness.get(job_hook("PreSync", expected)) is not None


async def test_before_hook_creation_deletes_the_previous_hook_object_first(harness: Harness):
    await harness.run([job_hook("PreSync", "migrate")])
    first = await harness.get(job_hook("PreSync", "migrate"))

    done = await harness.run([job_hook("PreSync", "migrate")])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    second = await harness.get(job_hook("PreSync", "migrate"))
    assert first is not None and second is not None
    assert first["metadata"]["uid"] != second["metadata"]["uid"]
    assert harness.writes() == [
        ("apply", "Job", "migrate"),
        ("patch", "Job", "migrate"),  # the hook finalizer removed once the first run ended
        ("delete", "Job", "migrate"),
        ("apply", "Job", "migrate"),
        ("patch", "Job", "migrate"),
    ]


async def test_hook_succeeded_deletes_the_hook_once_it_succeeded(harness: Harness):
    hook = job_hook("PostSync", "smoke", **{DELETE_POLICY: "HookSucceeded"})

    done = await harness.run([config_map("settings"), hook])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(hook) is None
    assert "deleted (HookSucceeded)" in done.results[-1].message


async def test_hook_failed_deletes_a_failed_hook_and_keeps_a_successful_one(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    failing = pod_hook("PreSync", "check", BROKEN, **{DELETE_POLICY: "HookFailed"})
    fine = job_hook("PreSync", "fine", **{DELETE_POLICY: "HookFailed"})

    done = await harness.run([failing, fine, config_map("settings")])

    assert done.phase is OperationPhase.FAILED
    assert await harness.get(failing) is None
    assert await harness.get(fine) is not None
    assert await harness.get(config_map("settings")) is None


async def test_a_failed_sync_runs_its_sync_fail_hooks(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    desired = [
        deployment("web", image=BROKEN),
        waved(config_map("after"), 1),
        job_hook("SyncFail", "alert"),
        job_hook("PostSync", "smoke"),
    ]

    done = await harness.run(desired)

    assert done.phase is OperationPhase.FAILED
    assert results(done)["Job/alert"] == ("succeeded", "created")
    assert "Job/smoke" not in results(done)
    assert ("Job", "alert") in harness.applied()
    assert ("ConfigMap", "after") not in harness.applied()


async def test_a_successful_sync_never_runs_its_sync_fail_hooks(harness: Harness):
    done = await harness.run([config_map("settings"), job_hook("SyncFail", "alert")])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert harness.applied() == [("ConfigMap", "settings")]


async def test_an_object_refused_in_a_later_wave_stops_the_sync_and_runs_sync_fail_hooks(
    harness: Harness,
):
    unserved = waved(notes(widget("w"), **{OPTIONS: "SkipDryRunOnMissingResource=true"}), 1)
    desired = [
        config_map("first"),
        unserved,
        waved(config_map("never"), 2),
        job_hook("SyncFail", "alert"),
    ]

    done = await harness.run(desired)

    assert done.phase is OperationPhase.FAILED
    assert "example.com/Widget dev/w" in done.message
    assert "the cluster serves no kind Widget" in done.message
    assert results(done)["Widget/w"] == ("failed", "failed")
    assert results(done)["Job/alert"] == ("succeeded", "created")
    assert await harness.get(config_map("first")) is not None
    assert await harness.get(config_map("never")) is None


async def test_hooks_are_never_pruned(harness: Harness):
    await harness.run([job_hook("PreSync", "migrate"), config_map("settings")])

    done = await harness.run([config_map("settings")], SyncRequest(prune=True))

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(job_hook("PreSync", "migrate")) is not None
