"""Hooks as Argo CD and Helm declare them, their delete policies and their names."""

from __future__ import annotations

import pytest
from sync_builders import HOOK, annotated, config_map, hook, names, obj, plan

from gitward.errors import Location, ManifestError
from gitward.model.objects import ResourceKey
from gitward.sync import DeletePolicy, SyncPhase, SyncRequest, hook_of
from gitward.sync.hooks import hook_name, is_skipped

HERE = Location(obj="test object")


def helm(value: str, **more: str) -> dict:
    return annotated(obj("Job", "j", api_version="batch/v1"), **{"helm.sh/hook": value}, **more)


@pytest.mark.parametrize(
    ("value", "phases"),
    [
        ("pre-install", {SyncPhase.PRE_SYNC}),
        ("pre-upgrade", {SyncPhase.PRE_SYNC}),
        ("post-install", {SyncPhase.POST_SYNC}),
        ("post-upgrade", {SyncPhase.POST_SYNC}),
        ("pre-install,post-upgrade", {SyncPhase.PRE_SYNC, SyncPhase.POST_SYNC}),
        ("test", set()),
        ("test-success", set()),
        ("pre-delete", set()),
        ("post-rollback", set()),
    ],
)
def test_helm_hooks_map_to_argo_cd_phases(value, phases):
    found = hook_of(helm(value), HERE)

    assert found is not None
    assert found.phases == phases


def test_a_helm_test_hook_is_never_applied_in_a_sync():
    found = plan([helm("test"), config_map("settings")])

    assert names(found) == ["Sync/0 ConfigMap settings"]


def test_a_helm_crd_install_annotation_alone_makes_a_plain_resource():
    assert hook_of(helm("crd-install"), HERE) is None


def test_an_argo_cd_hook_annotation_wins_over_helms():
    both = annotated(helm("post-install"), **{HOOK: "PreSync"})

    found = hook_of(both, HERE)

    assert found is not None and found.phases == {SyncPhase.PRE_SYNC}


def test_a_hook_in_several_phases_runs_in_each():
    found = plan([hook("PreSync,PostSync", "check")])

    assert names(found) == ["PreSync/0 Job check", "PostSync/0 Job check"]


def test_skip_alone_means_the_object_is_never_applied():
    skipped = annotated(config_map("manual"), **{HOOK: "Skip"})

    assert is_skipped(skipped, HERE)
    assert hook_of(skipped, HERE) is None
    assert plan([skipped]).tasks == ()


def test_delete_hooks_of_an_app_do_not_run_in_a_sync():
    found = plan([hook("PreDelete", "cleanup"), config_map("settings")])

    assert [t.key.name for t in found.tasks] == ["settings"]


def test_an_unknown_hook_type_is_an_error_naming_the_object_and_annotation():
    with pytest.raises(ManifestError) as caught:
        plan([hook("Presync", "migrate")])

    assert "'Presync' is not a hook type" in caught.value.message
    assert "batch/Job dev/migrate" in caught.value.message
    assert HOOK in caught.value.message


def test_before_hook_creation_is_the_default_delete_policy():
    found = hook_of(hook("PreSync", "m"), HERE)

    assert found is not None
    assert found.delete_policies == {DeletePolicy.BEFORE_HOOK_CREATION}


def test_argo_cd_and_helm_delete_policies_add_up():
    job = hook(
        "PreSync",
        "m",
        **{
            "argocd.argoproj.io/hook-delete-policy": "HookSucceeded",
            "helm.sh/hook-delete-policy": "hook-failed,before-hook-creation",
        },
    )

    found = hook_of(job, HERE)

    assert found is not None
    assert found.delete_policies == set(DeletePolicy)


def test_an_unknown_delete_policy_is_an_error():
    job = hook("PreSync", "m", **{"argocd.argoproj.io/hook-delete-policy": "OnSuccess"})

    with pytest.raises(ManifestError) as caught:
        hook_of(job, HERE)

    assert "'OnSuccess' is not a hook delete policy" in caught.value.message


def test_a_generate_name_hook_gets_a_name_unique_to_the_operation_and_phase():
    job = hook("PreSync", generate_name="migrate-")

    first = hook_name(job, revision="0123456789abc", phase=SyncPhase.PRE_SYNC, operation_id="a1")
    again = hook_name(job, revision="0123456789abc", phase=SyncPhase.PRE_SYNC, operation_id="a1")
    other = hook_name(job, revision="0123456789abc", phase=SyncPhase.PRE_SYNC, operation_id="b2")

    assert first == again == "migrate-0123456-presync-a1"
    assert other != first


def test_a_planned_generate_name_hook_is_named_and_keeps_no_generate_name():
    found = plan([hook("PostSync", generate_name="smoke-")], request=SyncRequest(revision="abc"))

    target = found.tasks[0].target
    assert target is not None
    assert target["metadata"]["name"] == "smoke-abc-postsync-op1"
    assert "generateName" not in target["metadata"]


def test_hooks_do_not_run_in_a_selective_sync():
    settings = config_map("settings")
    request = SyncRequest(resources=frozenset({ResourceKey.of(settings)}))

    found = plan([hook("PreSync", "m"), settings], request=request)

    assert names(found) == ["Sync/0 ConfigMap settings"]


def test_hooks_are_stamped_with_the_apps_tracking_mark():
    found = plan([hook("PreSync", "m")])

    target = found.tasks[0].target
    assert target is not None
    assert target["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] == (
        "web:batch/Job:dev/m"
    )
