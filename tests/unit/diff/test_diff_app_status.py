"""The application's status when the render or the comparison failed."""

from __future__ import annotations

import datetime

from gitward import diff
from gitward.errors import Location, RenderError
from gitward.model.application import IgnoreDifference


def test_a_render_failure_makes_the_app_unknown_with_the_errors_message() -> None:
    failure = RenderError(
        "template: chatbot/templates/deployment.yaml:12: nil pointer",
        where=Location("helm/ai-chatbot"),
        hint="Check the chart's values",
    )

    app = diff.compare_app([], [], error=failure)

    assert app.status == "Unknown"
    assert app.resources == ()
    assert app.error == failure.message


def test_an_app_with_nothing_declared_and_nothing_tracked_is_synced() -> None:
    app = diff.compare_app([], [], tracked=set())

    assert (app.status, app.modified, app.diff) == ("Synced", False, "")


def test_a_cluster_scoped_object_is_matched_without_its_stray_namespace() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "reader", "namespace": "dev"},
    }
    live = {**role, "metadata": {"name": "reader"}}

    app = diff.compare_app([role], [live], namespace="dev")

    assert [(str(r.key), r.status) for r in app.resources] == [
        ("rbac.authorization.k8s.io/ClusterRole reader", "Synced")
    ]


def test_the_diff_text_names_the_resource_on_both_sides() -> None:
    app = diff.compare_app(
        [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "2"}}],
        [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "dev"},
                "data": {"a": "1"},
            }
        ],
        namespace="dev",
    )

    assert app.diff.startswith("--- live/ConfigMap/dev/c\n+++ desired/ConfigMap/dev/c\n")
    assert "-  a: '1'\n+  a: '2'\n" in app.diff


def test_an_object_declared_twice_is_compared_once_and_warned_about() -> None:
    first = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    second = {**first, "data": {"a": "2"}}
    live = {**first, "metadata": {"name": "c", "namespace": "dev"}}

    app = diff.compare_app([first, second], [live], namespace="dev")

    assert [resource.status for resource in app.resources] == ["OutOfSync"]
    assert app.warnings == ("ConfigMap dev/c is declared more than once; the last one is compared",)


def test_a_cluster_scoped_diff_header_has_no_namespace_segment() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "reader"},
        "rules": [{"verbs": ["get"]}],
    }

    result = diff.compare(role, None)

    assert result.diff.startswith("--- live/ClusterRole/reader\n+++ desired/ClusterRole/reader\n")


def test_a_yaml_timestamp_in_a_manifest_does_not_break_a_jq_rule() -> None:
    stamped = {
        "apiVersion": "example.com/v1",
        "kind": "Backup",
        "metadata": {"name": "b"},
        "spec": {"at": datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC), "keep": 3},
    }
    rule = IgnoreDifference(kind="Backup", group="example.com", jq_path_expressions=(".spec.keep",))

    result = diff.compare(
        stamped, {**stamped, "spec": {**stamped["spec"], "keep": 5}}, ignore=[rule]
    )

    assert result.status == "Synced"
