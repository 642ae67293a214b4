"""Waves against the sandbox: the order of applies, and waiting until a wave is healthy."""

from __future__ import annotations

from sync_harness import Harness, config_map, deployment, results, waved

from gitward.sync import OperationPhase, SyncRequest, drive

BROKEN = "registry.example/app:missing"


async def test_applies_follow_waves_then_kinds_after_a_dry_run_of_everything(harness: Harness):
    desired = [
        waved(config_map("after"), 2),
        waved(deployment("api"), 1),
        deployment("web"),
        config_map("settings"),
    ]

    done = await harness.run(desired)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert harness.applied() == [
        ("ConfigMap", "settings"),
        ("Deployment", "web"),
        ("Deployment", "api"),
        ("ConfigMap", "after"),
    ]
    dry = [name for verb, _, name in harness.writes(dry_run=True) if verb == "apply"]
    assert sorted(dry) == ["after", "api", "settings", "web"]
    first_real = next(i for i, r in enumerate(harness.sandbox.request_log()) if _real_apply(r))
    last_dry = max(i for i, r in enumerate(harness.sandbox.request_log()) if r.dry_run)
    assert last_dry < first_real


async def test_a_wave_waits_until_the_previous_waves_deployment_is_healthy(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    web = deployment("web", image=BROKEN)
    web["spec"]["progressDeadlineSeconds"] = 100_000
    desired = [web, waved(config_map("after"), 1)]
    state = harness.start()
    for _ in range(5):
        state = await harness.step(state, desired)

    assert state.phase is OperationPhase.RUNNING
    assert state.message == "waiting for healthy state of apps/Deployment dev/web"
    assert await harness.get(config_map("after")) is None

    harness.sandbox.faults.restore_image(BROKEN)
    done = await harness.run(desired, state=state)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("after")) is not None
    assert harness.applied() == [("Deployment", "web"), ("ConfigMap", "after")]


async def test_the_last_wave_does_not_wait_for_health(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    web = deployment("web", image=BROKEN)
    web["spec"]["progressDeadlineSeconds"] = 100_000

    done = await harness.run([config_map("settings"), web])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert results(done)["Deployment/web"] == ("succeeded", "created")


async def test_a_sync_again_reports_unchanged_and_configured_objects(harness: Harness):
    await harness.run([config_map("same", a="1"), config_map("changing", a="1")])

    again = await harness.run([config_map("same", a="1"), config_map("changing", a="2")])

    assert results(again) == {
        "ConfigMap/changing": ("succeeded", "configured"),
        "ConfigMap/same": ("succeeded", "unchanged"),
    }
    assert again.message == "successfully synced: 1 configured, 1 unchanged"


async def test_a_degraded_wave_fails_the_sync_and_later_waves_never_start(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    desired = [deployment("web", image=BROKEN), waved(config_map("after"), 1)]

    done = await harness.run(desired)

    assert done.phase is OperationPhase.FAILED
    assert "apps/Deployment dev/web" in done.message
    assert "Degraded" in done.message
    assert await harness.get(config_map("after")) is None
    assert results(done)["Deployment/web"] == ("failed", "created")


async def test_a_wave_that_takes_too_long_fails_with_a_timeout(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    web = deployment("web", image=BROKEN)
    web["spec"]["progressDeadlineSeconds"] = 100_000
    request = SyncRequest(wave_timeout_s=0.2)

    done = await harness.run([web, waved(config_map("after"), 1)], request)

    assert done.phase is OperationPhase.FAILED
    assert "timed out after 0.2s" in done.message
    assert await harness.get(config_map("after")) is None


def _real_apply(record) -> bool:
    return record.verb == "apply" and not record.dry_run and record.kind != "Namespace"


async def test_drive_steps_a_sync_to_the_end_for_callers_without_a_controller(harness: Harness):
    desired = [deployment("web"), waved(config_map("after"), 1)]

    done = await drive(harness.start(), await harness.context(desired), within=20)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert harness.applied() == [("Deployment", "web"), ("ConfigMap", "after")]
