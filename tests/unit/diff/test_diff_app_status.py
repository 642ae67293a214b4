"""The application's status when the render or the comparison failed."""

from __future__ import annotations

from gitward import diff
from gitward.errors import Location, RenderError


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
