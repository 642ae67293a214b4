"""The operation as a whole against the sandbox: resuming, retrying, terminating, dry runs,
a cluster that stops answering, and the sync options that change how objects are written."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from cluster_objects import crd
from sync_harness import (
    OPTIONS,
    Harness,
    application,
    config_map,
    deployment,
    job_hook,
    notes,
    results,
    waved,
    widget,
)

from gitward.kube import ClusterAccess, LiveCache, RemoteCluster
from gitward.model.application import Backoff, Retry
from gitward.sandbox import ErrorRate
from gitward.sync import (
    OperationPhase,
    SyncContext,
    SyncOperation,
    SyncRequest,
    live_from_cache,
    step,
)

BROKEN = "registry.example/app:missing"
QUICK_RETRY = Retry(limit=2, backoff=Backoff(duration_s=0.01, factor=2, max_duration_s=1))


async def test_a_sync_abandoned_while_a_wave_waits_resumes_once_from_its_stored_state(
    harness: Harness, access: ClusterAccess
):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    web = deployment("web", image=BROKEN)
    web["spec"]["progressDeadlineSeconds"] = 100_000
    desired = [job_hook("PreSync", "migrate"), config_map("settings"), web]
    desired.append(waved(config_map("after"), 1))
    state = harness.start()
    for _ in range(50):
        state = await harness.step(state, desired)
        if state.message.startswith("waiting for healthy state"):
            break
    stored = json.dumps(state.to_dict())
    await harness.cluster.close()

    harness.sandbox.faults.restore_image(BROKEN)
    client = RemoteCluster.connect(access)
    try:
        resumed = Harness(harness.sandbox, client)
        done = await resumed.run(desired, state=SyncOperation.from_dict(json.loads(stored)))
    finally:
        await client.close()

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert Counter(resumed.applied()) == {
        ("Job", "migrate"): 1,
        ("ConfigMap", "settings"): 1,
        ("Deployment", "web"): 1,
        ("ConfigMap", "after"): 1,
    }
    dry_runs = [name for verb, _, name in resumed.writes(dry_run=True) if verb == "apply"]
    assert sorted(dry_runs) == ["after", "migrate", "settings", "web"]


async def test_a_failed_attempt_is_retried_until_the_limit(harness: Harness):
    invalid = deployment("web")
    invalid["spec"]["selector"]["matchLabels"] = {"app": "other"}

    done = await harness.run([invalid], SyncRequest(retry=QUICK_RETRY))

    assert done.phase is OperationPhase.FAILED
    assert done.retry_count == 2
    assert "failed to apply (dry run)" in done.message
    assert "spec.template.metadata.labels" in done.message
    dry_runs = [name for verb, _, name in harness.writes(dry_run=True) if verb == "apply"]
    assert dry_runs == ["web", "web", "web"]
    assert harness.applied() == []


async def test_a_retry_succeeds_once_what_was_wrong_is_fixed(harness: Harness):
    desired = [config_map("settings", namespace="later")]
    retry = Retry(limit=5, backoff=Backoff(duration_s=0.2, factor=1, max_duration_s=1))
    state = harness.start(SyncRequest(retry=retry))
    for _ in range(50):
        state = await harness.step(state, desired)
        if state.retry_count:
            break
    assert state.phase is OperationPhase.RUNNING
    assert state.message.startswith("retrying (attempt 2)")
    assert 'namespaces "later" not found' in state.message

    await harness.namespace("later")
    done = await harness.run(desired, state=state)

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert done.retry_count == 1


async def test_terminating_deletes_the_running_hook_and_starts_nothing_else(harness: Harness):
    harness.sandbox.faults.mark_image_missing(BROKEN)
    migrate = job_hook("PreSync", "migrate")
    migrate["spec"]["template"]["spec"]["containers"][0]["image"] = BROKEN
    desired = [migrate, config_map("settings")]
    state = harness.start()
    for _ in range(50):
        state = await harness.step(state, desired)
        if state.message.startswith("waiting for completion of hook"):
            break

    stopping = state.terminate()
    done = await harness.step(stopping, desired)

    assert stopping.phase is OperationPhase.TERMINATING
    assert done.phase is OperationPhase.FAILED
    assert done.message == "Operation terminated"
    assert await harness.get(migrate) is None
    assert await harness.get(config_map("settings")) is None
    assert results(done)["Job/migrate"] == ("failed", "created")


async def test_a_dry_run_sync_changes_nothing_and_reports_what_it_would_do(harness: Harness):
    await harness.run([config_map("old"), config_map("same", a="1")])
    before = len(harness.sandbox.request_log())
    desired = [config_map("new"), config_map("same", a="1"), job_hook("PreSync", "m")]

    done = await harness.run(desired, SyncRequest(dry_run=True, prune=True))

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert done.message.startswith("dry run, nothing changed")
    writes = [
        r
        for r in harness.sandbox.request_log()[before:]
        if r.verb in ("apply", "create", "update", "patch", "delete")
    ]
    assert writes and all(r.dry_run for r in writes)
    assert results(done) == {
        "ConfigMap/new": ("succeeded", "created"),
        "ConfigMap/same": ("succeeded", "unchanged"),
        "Job/m": ("succeeded", "created"),
        "ConfigMap/old": ("succeeded", "pruned"),
    }
    assert await harness.get(config_map("new")) is None
    assert await harness.get(config_map("old")) is not None


async def test_a_cluster_that_stops_answering_pauses_the_sync_without_failing_it(
    harness: Harness,
):
    desired = [config_map("settings")]
    harness.sandbox.faults.set_error_rate(ErrorRate(1.0, 503, verbs=frozenset({"apply"})))

    paused = await harness.step(harness.start(), desired)

    assert paused.phase is OperationPhase.RUNNING
    assert paused.message.startswith("waiting for the cluster")
    assert paused.wake_at is not None

    harness.sandbox.faults.set_error_rate(None)
    done = await harness.run(desired, state=paused)

    assert done.phase is OperationPhase.SUCCEEDED, done.message


async def test_a_bad_manifest_fails_before_anything_changes_naming_the_field(harness: Harness):
    invalid = waved(deployment("web"), 3)
    invalid["spec"]["selector"]["matchLabels"] = {"app": "other"}

    done = await harness.run([config_map("settings"), invalid])

    assert done.phase is OperationPhase.FAILED
    assert "apps/Deployment dev/web" in done.message
    assert "spec.template.metadata.labels" in done.message
    assert harness.applied() == []
    assert results(done) == {"Deployment/web": ("failed", "failed")}


async def test_a_crd_and_its_custom_resources_sync_together(harness: Harness):
    done = await harness.run([widget("w"), crd()])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert harness.applied() == [
        ("CustomResourceDefinition", "widgets.example.com"),
        ("Widget", "w"),
    ]
    assert await harness.get(widget("w")) is not None


async def test_create_namespace_makes_the_destination_with_its_managed_metadata(
    harness: Harness,
):
    harness.app = application(
        namespace="fresh",
        options=("CreateNamespace=true",),
        managedNamespaceMetadata={"labels": {"team": "chat"}},
    )

    done = await harness.run([config_map("settings", namespace="fresh")])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    created = await harness.get(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}
    )
    assert created is not None
    assert created["metadata"]["labels"]["team"] == "chat"
    assert await harness.get(config_map("settings", namespace="fresh")) is not None


async def test_replace_writes_the_object_whole_and_force_recreates_it(harness: Harness):
    await harness.run([config_map("r", a="1"), config_map("f", a="1")])
    first = await harness.get(config_map("f"))
    replaced = notes(config_map("r", a="2"), **{OPTIONS: "Replace=true"})
    forced = notes(config_map("f", a="2"), **{OPTIONS: "Replace=true,Force=true"})

    done = await harness.run([replaced, forced])

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert ("update", "ConfigMap", "r") in harness.writes()
    assert ("delete", "ConfigMap", "f") in harness.writes()
    second = await harness.get(config_map("f"))
    assert first is not None and second is not None
    assert second["metadata"]["uid"] != first["metadata"]["uid"]
    assert second["data"] == {"a": "2"}
    assert (await harness.get(config_map("r")) or {})["data"] == {"a": "2"}


async def test_a_sync_planned_from_the_live_cache_applies_and_prunes(harness: Harness):
    await harness.run([config_map("kept", a="1"), config_map("removed")])
    desired = [config_map("kept", a="2")]

    async with LiveCache(harness.cluster) as cache:
        cache.watch_kinds(("", "ConfigMap"))
        await cache.wait_warm(within=10)
        state = harness.start(SyncRequest(prune=True))
        for _ in range(200):
            context = SyncContext(
                cluster=harness.cluster,
                app=harness.app,
                desired=desired,
                live=live_from_cache(cache, desired, harness.app.name),
                poll_interval_s=0.02,
            )
            state = await step(state, context)
            if state.completed:
                break
            await asyncio.sleep(0.02)

    assert state.phase is OperationPhase.SUCCEEDED, state.message
    assert results(state) == {
        "ConfigMap/kept": ("succeeded", "configured"),
        "ConfigMap/removed": ("succeeded", "pruned"),
    }
    assert await harness.get(config_map("removed")) is None


async def test_apply_out_of_sync_only_applies_just_what_differs_from_the_cluster(
    harness: Harness,
):
    await harness.run([config_map("same", a="1"), config_map("drifted", a="1"), deployment("web")])
    harness.app = application(options=("ApplyOutOfSyncOnly=true",))
    before = len(harness.applied())

    done = await harness.run(
        [config_map("same", a="1"), config_map("drifted", a="2"), deployment("web")]
    )

    assert done.phase is OperationPhase.SUCCEEDED, done.message
    assert harness.applied()[before:] == [("ConfigMap", "drifted")]
