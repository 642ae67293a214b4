"""Pruning against the sandbox: only the app's own objects, and never when in doubt."""

from __future__ import annotations

import copy

from sync_harness import OPTIONS, Harness, application, config_map, deployment, notes, results

from gitward.kube.tracking import stamp
from gitward.sync import OperationPhase, SyncRequest

PRUNE = SyncRequest(revision="abc", prune=True)


async def test_an_object_removed_from_git_is_pruned(harness: Harness):
    await harness.run([config_map("kept"), config_map("removed")])

    done = await harness.run([config_map("kept")], PRUNE)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("removed")) is None
    assert results(done)["ConfigMap/removed"] == ("succeeded", "pruned")


async def test_a_pruned_deployment_is_waited_on_until_it_and_its_pods_are_gone(
    harness: Harness,
):
    await harness.run([config_map("kept"), deployment("old")])

    done = await harness.run([config_map("kept")], PRUNE)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(deployment("old")) is None
    pods = await harness.cluster.list("", "Pod", namespace="dev")
    assert pods.items == []


async def test_another_apps_objects_and_unmarked_objects_are_never_pruned(harness: Harness):
    await harness.cluster.apply(stamp(config_map("theirs"), "billing"))
    await harness.cluster.apply(config_map("by-hand"))

    done = await harness.run([config_map("kept")], PRUNE)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("theirs")) is not None
    assert await harness.get(config_map("by-hand")) is not None
    assert "delete" not in [verb for verb, _, _ in harness.writes()]


async def test_an_object_with_a_tracking_mark_copied_from_this_apps_object_is_untouched(
    harness: Harness,
):
    original = stamp(config_map("original"), "web")
    copied = copy.deepcopy(original)
    copied["metadata"]["name"] = "copied"
    await harness.cluster.apply(copied)

    done = await harness.run([config_map("kept")], PRUNE)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("copied")) is not None
    assert "ConfigMap/copied" not in results(done)


async def test_prune_false_keeps_the_object_and_says_so(harness: Harness):
    await harness.run(
        [config_map("kept"), notes(config_map("precious"), **{OPTIONS: "Prune=false"})]
    )

    done = await harness.run([config_map("kept")], PRUNE)

    assert await harness.get(config_map("precious")) is not None
    assert results(done)["ConfigMap/precious"] == ("succeeded", "prune-skipped")


async def test_without_the_prune_flag_extraneous_objects_are_only_reported(harness: Harness):
    await harness.run([config_map("kept"), config_map("removed")])

    done = await harness.run([config_map("kept")], SyncRequest(prune=False))

    assert await harness.get(config_map("removed")) is not None
    result = next(r for r in done.results if r.key.name == "removed")
    assert result.message == "ignored (requires pruning)"


async def test_an_empty_render_prunes_nothing_without_allow_empty(harness: Harness):
    await harness.run([config_map("a"), config_map("b")])

    done = await harness.run([], PRUNE)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("a")) is not None
    assert await harness.get(config_map("b")) is not None
    assert [verb for verb, _, _ in harness.writes()] == ["apply", "apply"]


async def test_an_empty_render_with_allow_empty_prunes_everything(harness: Harness):
    await harness.run([config_map("a")])

    done = await harness.run([], SyncRequest(prune=True, allow_empty=True))

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("a")) is None


async def test_after_a_render_or_comparison_error_nothing_is_pruned(harness: Harness):
    await harness.run([config_map("kept"), config_map("removed")])

    done = await harness.run([config_map("kept")], PRUNE, desired_complete=False)

    assert await harness.get(config_map("removed")) is not None
    assert "incomplete" in next(r.message for r in done.results if r.key.name == "removed")


async def test_prune_confirm_waits_until_the_prune_is_confirmed(harness: Harness):
    guarded = notes(config_map("guarded"), **{OPTIONS: "Prune=confirm"})
    await harness.run([config_map("kept"), guarded])

    waiting = await harness.run([config_map("kept")], PRUNE)

    assert waiting.phase is OperationPhase.RUNNING
    assert waiting.wake_at is None
    assert waiting.message == "waiting for pruning confirmation of ConfigMap dev/guarded"
    assert await harness.get(config_map("guarded")) is not None

    done = await harness.run([config_map("kept")], state=waiting.confirm_prune())

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("guarded")) is None


async def test_objects_are_pruned_after_the_new_ones_are_applied(harness: Harness):
    await harness.run([config_map("old-name")])

    await harness.run([config_map("new-name")], PRUNE)

    assert harness.writes()[-2:] == [
        ("apply", "ConfigMap", "new-name"),
        ("delete", "ConfigMap", "old-name"),
    ]


async def test_another_app_syncing_the_same_namespace_leaves_this_apps_objects_alone(
    harness: Harness,
):
    await harness.run([config_map("mine")])
    harness.app = application("billing")

    done = await harness.run([config_map("theirs")], PRUNE)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert await harness.get(config_map("mine")) is not None
