"""The one order of a sync: stage, wave, kind, name; then namespaces and CRDs moved forward."""

from __future__ import annotations

from sync_builders import (
    OPTIONS,
    WAVE,
    annotated,
    app,
    config_map,
    crd,
    deployment,
    hook,
    names,
    namespace,
    obj,
    plan,
    tracked,
)

from gitward.sync import SyncRequest


def test_hooks_run_in_their_phase_around_the_resources():
    found = plan(
        [
            hook("PostSync", "smoke"),
            config_map("settings"),
            hook("PreSync", "migrate"),
            hook("SyncFail", "alert"),
            hook("Sync", "during"),
        ]
    )

    assert names(found) == [
        "PreSync/0 Job migrate",
        "Sync/0 ConfigMap settings",
        "Sync/0 Job during",
        "PostSync/0 Job smoke",
        "SyncFail/0 Job alert",
    ]


def test_lower_waves_come_first_and_negative_waves_before_the_default():
    found = plan([config_map("late", wave=5), config_map("plain"), config_map("early", wave=-2)])

    assert names(found) == [
        "Sync/-2 ConfigMap early",
        "Sync/0 ConfigMap plain",
        "Sync/5 ConfigMap late",
    ]


def test_within_a_wave_kinds_follow_argo_cds_order_and_custom_kinds_go_last():
    found = plan(
        [
            obj("Ingress", "web", api_version="networking.k8s.io/v1"),
            obj("Widget", "w", api_version="example.com/v1"),
            deployment("web"),
            obj("Service", "web"),
            config_map("settings"),
            obj("ServiceAccount", "runner"),
        ]
    )

    assert [t.key.kind for t in found.tasks] == [
        "ServiceAccount",
        "ConfigMap",
        "Service",
        "Deployment",
        "Ingress",
        "Widget",
    ]


def test_objects_of_one_kind_are_ordered_by_name():
    found = plan([config_map("b"), config_map("c"), config_map("a")])

    assert [t.key.name for t in found.tasks] == ["a", "b", "c"]


def test_a_namespace_in_a_later_wave_moves_before_the_first_object_in_it():
    found = plan([namespace("tools", wave=5), config_map("settings", namespace="tools", wave=1)])

    assert names(found) == ["Sync/1 Namespace tools", "Sync/1 ConfigMap settings"]


def test_a_namespace_moves_into_the_presync_phase_of_a_hook_that_lives_in_it():
    migrate = hook("PreSync", "migrate")
    migrate["metadata"]["namespace"] = "db"

    found = plan([namespace("db"), migrate])

    assert names(found) == ["PreSync/0 Namespace db", "PreSync/0 Job migrate"]


def test_a_crd_moves_before_the_first_custom_resource_of_its_kind():
    widget = obj("Widget", "w", api_version="example.com/v1", wave=-1)

    found = plan([crd(wave=3), widget, config_map("other", wave=-1)])

    assert names(found) == [
        "Sync/-1 ConfigMap other",
        "Sync/-1 CustomResourceDefinition widgets.example.com",
        "Sync/-1 Widget w",
    ]


def test_helm_hook_weight_is_the_wave_when_no_sync_wave_is_given():
    weighted = annotated(hook("PreSync", "second"), **{"helm.sh/hook-weight": "5"})
    both = annotated(hook("PreSync", "first"), **{"helm.sh/hook-weight": "9", WAVE: "-1"})

    found = plan([weighted, both])

    assert names(found) == ["PreSync/-1 Job first", "PreSync/5 Job second"]


def test_prunes_come_after_every_apply_of_the_sync_phase_highest_wave_first():
    live = [
        tracked(config_map("old-early", wave=-1)),
        tracked(config_map("old-late", wave=3)),
        tracked(deployment("old-plain")),
    ]

    found = plan([config_map("kept", wave=7), hook("PostSync", "smoke")], live)

    assert names(found) == [
        "Sync/7 ConfigMap kept",
        "Prune/3 ConfigMap old-late",
        "Prune/0 Deployment old-plain",
        "Prune/-1 ConfigMap old-early",
        "PostSync/0 Job smoke",
    ]


def test_within_a_prune_wave_kinds_go_in_reverse_apply_order():
    live = [tracked(namespace("old")), tracked(config_map("cfg")), tracked(deployment("web"))]

    found = plan([config_map("kept")], live)

    assert [t.key.kind for t in found.tasks[1:]] == ["Deployment", "ConfigMap", "Namespace"]


def test_prune_last_on_a_resource_prunes_it_after_the_postsync_hooks():
    last = tracked(annotated(config_map("last"), **{OPTIONS: "PruneLast=true"}))
    live = [last, tracked(config_map("first"))]

    found = plan([config_map("kept"), hook("PostSync", "smoke")], live)

    assert names(found) == [
        "Sync/0 ConfigMap kept",
        "Prune/0 ConfigMap first",
        "PostSync/0 Job smoke",
        "PruneLast/0 ConfigMap last",
    ]


def test_prune_last_for_the_whole_app_moves_every_prune_to_the_end():
    live = [tracked(config_map("a")), tracked(config_map("b", wave=2))]

    found = plan(
        [config_map("kept"), hook("PostSync", "smoke")],
        live,
        application=app(options=("PruneLast=true",)),
    )

    assert [t.stage.label for t in found.tasks] == ["Sync", "PostSync", "PruneLast", "PruneLast"]
    assert [t.key.name for t in found.tasks[2:]] == ["b", "a"]


def test_the_order_does_not_depend_on_the_order_of_the_rendered_objects():
    objects = [config_map("b", wave=1), hook("PreSync", "m"), namespace("dev"), deployment("a")]

    forwards = names(plan(objects))
    backwards = names(plan(list(reversed(objects))))

    assert forwards == backwards


def test_a_managed_namespace_is_created_first_when_create_namespace_is_set():
    found = plan(
        [config_map("settings"), hook("PreSync", "migrate", wave=-3)],
        application=app(options=("CreateNamespace=true",)),
        request=SyncRequest(),
    )

    assert names(found)[:2] == ["PreSync/-3 Namespace dev", "PreSync/-3 Job migrate"]
    namespace_task = found.tasks[0]
    assert namespace_task.target is not None
    assert "annotations" not in namespace_task.target["metadata"]
