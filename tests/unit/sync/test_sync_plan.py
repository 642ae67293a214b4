"""What a plan applies and prunes: only the app's own objects, and never blindly."""

from __future__ import annotations

import pytest
from sync_builders import (
    OPTIONS,
    annotated,
    app,
    config_map,
    deployment,
    hook,
    names,
    plan,
    tracked,
)

from gitward.errors import ConfigError
from gitward.kube.tracking import stamp
from gitward.model.objects import ResourceKey
from gitward.sync import ResultCode, SyncRequest

PRUNE = SyncRequest(revision="abc", prune=True)


def skipped(found) -> dict[str, str]:
    return {skip.task.key.name: skip.message for skip in found.skipped}


def test_an_object_git_no_longer_declares_is_pruned():
    found = plan([config_map("kept")], [tracked(config_map("gone"))])

    assert names(found) == ["Sync/0 ConfigMap kept", "Prune/0 ConfigMap gone"]


def test_another_apps_object_is_never_a_prune_candidate():
    found = plan([config_map("kept")], [tracked(config_map("theirs"), app="billing")])

    assert names(found) == ["Sync/0 ConfigMap kept"]
    assert found.skipped == ()


def test_an_object_with_a_copied_tracking_mark_is_never_pruned():
    copy = tracked(config_map("original"))
    copy["metadata"]["name"] = "copy"

    found = plan([config_map("kept")], [copy])

    assert names(found) == ["Sync/0 ConfigMap kept"]


def test_unmarked_objects_hooks_and_owned_objects_are_not_pruned():
    owned = tracked(config_map("child"))
    owned["metadata"]["ownerReferences"] = [{"kind": "Deployment", "name": "x", "uid": "u"}]
    old_hook = tracked(hook("PreSync", "migrate"))
    unmarked = config_map("stray")

    found = plan([config_map("kept")], [owned, old_hook, unmarked])

    assert names(found) == ["Sync/0 ConfigMap kept"]


def test_without_prune_extraneous_objects_are_reported_as_requiring_pruning():
    found = plan(
        [config_map("kept")], [tracked(config_map("gone"))], request=SyncRequest(prune=False)
    )

    assert names(found) == ["Sync/0 ConfigMap kept"]
    assert skipped(found) == {"gone": "ignored (requires pruning)"}


def test_prune_false_on_the_live_object_skips_it():
    keep = tracked(annotated(config_map("precious"), **{OPTIONS: "Prune=false"}))

    found = plan([config_map("kept")], [keep])

    assert skipped(found) == {"precious": "ignored (Prune=false)"}


def test_prune_false_for_the_app_skips_every_prune_but_a_resource_may_override_it():
    allowed = tracked(annotated(config_map("allowed"), **{OPTIONS: "Prune=true"}))

    found = plan(
        [config_map("kept")],
        [tracked(config_map("kept-by-default")), allowed],
        application=app(options=("Prune=false",)),
    )

    assert [t.key.name for t in found.tasks if t.stage.prunes] == ["allowed"]
    assert skipped(found) == {"kept-by-default": "ignored (Prune=false)"}


def test_nothing_is_pruned_when_git_declares_nothing_and_allow_empty_is_not_set():
    found = plan([hook("PreSync", "m")], [tracked(config_map("a")), tracked(deployment("b"))])

    assert [t.key.name for t in found.tasks] == ["m"]
    assert set(skipped(found)) == {"a", "b"}
    assert "allowEmpty" in skipped(found)["a"]


def test_allow_empty_lets_an_empty_app_prune_everything():
    request = SyncRequest(prune=True, allow_empty=True)

    found = plan([], [tracked(config_map("a"))], request=request)

    assert names(found) == ["Prune/0 ConfigMap a"]


def test_nothing_is_pruned_when_the_desired_state_is_incomplete():
    found = plan([config_map("kept")], [tracked(config_map("gone"))], desired_complete=False)

    assert names(found) == ["Sync/0 ConfigMap kept"]
    assert "incomplete" in skipped(found)["gone"]


def test_a_selective_sync_applies_and_prunes_only_the_chosen_resources():
    chosen = {ResourceKey.of(config_map("a")), ResourceKey.of(config_map("old-a"))}
    request = SyncRequest(prune=True, resources=frozenset(chosen))

    found = plan(
        [config_map("a"), config_map("b")],
        [tracked(config_map("old-a")), tracked(config_map("old-b"))],
        request=request,
    )

    assert names(found) == ["Sync/0 ConfigMap a", "Prune/0 ConfigMap old-a"]


def test_apply_out_of_sync_only_leaves_out_resources_that_are_in_sync():
    same = config_map("same")
    same["data"] = {"a": "1"}
    changed = config_map("changed")
    changed["data"] = {"a": "2"}
    live_changed = tracked(config_map("changed"))
    live_changed["data"] = {"a": "1"}

    found = plan(
        [same, changed, config_map("new")],
        [tracked(same), live_changed],
        application=app(options=("ApplyOutOfSyncOnly=true",)),
    )

    assert [t.key.name for t in found.tasks] == ["changed", "new"]


def test_a_resource_another_app_tracks_fails_the_plan_under_fail_on_shared_resource():
    theirs = tracked(config_map("shared"), app="billing")

    with pytest.raises(ConfigError) as caught:
        plan(
            [config_map("shared")],
            [theirs],
            application=app(options=("FailOnSharedResource=true",)),
        )

    assert "ConfigMap dev/shared (tracked by app billing)" in caught.value.message


def test_without_fail_on_shared_resource_a_shared_resource_is_applied_and_taken_over():
    found = plan([config_map("shared")], [tracked(config_map("shared"), app="billing")])

    target = found.tasks[0].target
    assert target is not None
    assert target["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"].startswith("web:")


def test_applied_objects_carry_the_tracking_mark_and_the_rendered_object_is_untouched():
    rendered = config_map("settings")

    found = plan([rendered])

    assert found.tasks[0].target == stamp(rendered, "web")
    assert "annotations" not in rendered["metadata"]


def test_create_namespace_with_metadata_applies_it_even_when_the_namespace_exists():
    application = app(
        options=("CreateNamespace=true",),
        managedNamespaceMetadata={"labels": {"team": "a"}, "annotations": {"owner": "me"}},
    )
    live_namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}

    found = plan([config_map("settings")], [live_namespace], application=application)

    target = found.tasks[0].target
    assert target is not None
    assert target["metadata"] == {
        "name": "dev",
        "labels": {"team": "a"},
        "annotations": {"owner": "me"},
    }


def test_create_namespace_leaves_an_existing_namespace_alone_without_metadata():
    live_namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}

    found = plan(
        [config_map("settings")],
        [live_namespace],
        application=app(options=("CreateNamespace=true",)),
    )

    assert names(found) == ["Sync/0 ConfigMap settings"]


def test_a_wave_that_is_not_an_integer_is_an_error_naming_the_object():
    broken = annotated(config_map("settings"), **{"argocd.argoproj.io/sync-wave": "first"})

    with pytest.raises(ConfigError) as caught:
        plan([broken])

    assert "ConfigMap dev/settings" in caught.value.message
    assert "'first' is not an integer" in caught.value.message


def test_the_result_codes_are_the_documented_words():
    assert [code.value for code in ResultCode] == [
        "created",
        "configured",
        "unchanged",
        "pruned",
        "prune-skipped",
        "failed",
    ]
