"""The argocd-cm resource overrides as the controller applies them to one app."""

from __future__ import annotations

from gitward.controller.overrides import ResourceOverrides
from gitward.kube.filtering import FilteredResource, ResourceFilter
from gitward.model.application import Application, Destination, IgnoreDifference, Source
from gitward.model.objects import ResourceKey

APP = Application(
    name="dev",
    project="default",
    sources=(Source(repo_url="https://git.example.com/r.git", path="."),),
    destination=Destination(server="https://kubernetes.default.svc", namespace="dev"),
    ignore_differences=(IgnoreDifference(kind="ConfigMap", json_pointers=("/data/a",)),),
)
AGGREGATED = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "monitoring"},
    "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/x": "true"}}]},
}
PLAIN_ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "reader"},
    "rules": [],
}


def test_global_rules_come_after_the_apps_own() -> None:
    rule = IgnoreDifference(kind="Deployment", group="apps", json_pointers=("/spec/replicas",))
    changed = ResourceOverrides(ignore_differences=(rule,)).for_app(APP)
    assert changed.ignore_differences == (*APP.ignore_differences, rule)


def test_no_overrides_leave_the_app_as_it_is() -> None:
    assert ResourceOverrides().for_app(APP, [AGGREGATED]) is APP


def test_ignore_aggregated_roles_ignores_the_rules_of_aggregated_cluster_roles_only() -> None:
    changed = ResourceOverrides(ignore_aggregated_roles=True).for_app(APP, [AGGREGATED, PLAIN_ROLE])
    added = changed.ignore_differences[len(APP.ignore_differences) :]
    assert added == (
        IgnoreDifference(
            kind="ClusterRole",
            group="rbac.authorization.k8s.io",
            name="monitoring",
            json_pointers=("/rules",),
        ),
    )


def test_excluded_objects_are_split_off_and_named_in_the_warning() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    rules = ResourceFilter(exclusions=(FilteredResource(api_groups=("example.com",)),))
    split = ResourceOverrides(resource_filter=rules).split_excluded([widget, config], "")
    assert split.kept == [config]
    assert split.excluded == (ResourceKey("example.com", "Widget", "", "w"),)
    assert "example.com/Widget" in split.warning() and "resource.exclusions" in split.warning()
