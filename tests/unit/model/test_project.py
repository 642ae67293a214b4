"""AppProject parsing and the questions gitward asks of a project."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.errors import ManifestError
from gitward.model.application import Destination
from gitward.model.project import AppProject, default_project, parse_project

REPO = "https://github.com/giridharan-official/ai-chatbot-infra.git"
IN_CLUSTER = "https://kubernetes.default.svc"


def project(**spec: Any) -> AppProject:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "dev", "namespace": "argocd"},
        "spec": spec,
    }
    parsed = parse_project(doc, file="projects.yaml")
    assert parsed.warnings == ()
    return parsed.value


def test_a_project_limited_to_its_namespace_allows_only_that_namespace() -> None:
    dev = project(sourceRepos=[REPO], destinations=[{"server": IN_CLUSTER, "namespace": "dev"}])
    assert dev.allows_destination(Destination(server=IN_CLUSTER, namespace="dev"))
    assert not dev.allows_destination(Destination(server=IN_CLUSTER, namespace="prod"))
    assert not dev.allows_destination(Destination(server="https://other", namespace="dev"))


def test_destinations_by_cluster_name_and_negated_namespaces() -> None:
    proj = project(
        destinations=[
            {"name": "in-cluster", "namespace": "*"},
            {"name": "in-cluster", "namespace": "!kube-system"},
        ]
    )
    assert proj.allows_destination(Destination(name="in-cluster", namespace="dev"))
    assert not proj.allows_destination(Destination(name="in-cluster", namespace="kube-system"))


def test_source_repos_are_globs_and_a_bang_denies() -> None:
    proj = project(sourceRepos=["https://github.com/giridharan-official/*", "!*/secret-repo"])
    assert proj.allows_repo(REPO)
    assert not proj.allows_repo("https://github.com/giridharan-official/secret-repo")
    assert not proj.allows_repo("https://gitlab.com/x/y")


def test_cluster_scoped_kinds_need_a_whitelist_entry_and_namespaced_kinds_a_clean_blacklist() -> (
    None
):
    proj = project(
        clusterResourceWhitelist=[{"group": "", "kind": "Namespace"}],
        namespaceResourceBlacklist=[{"group": "", "kind": "ResourceQuota"}],
    )
    assert proj.allows_kind("", "Namespace", namespaced=False)
    assert not proj.allows_kind("rbac.authorization.k8s.io", "ClusterRole", namespaced=False)
    assert proj.allows_kind("apps", "Deployment", namespaced=True)
    assert not proj.allows_kind("", "ResourceQuota", namespaced=True)


def test_a_namespaced_whitelist_limits_namespaced_kinds() -> None:
    proj = project(namespaceResourceWhitelist=[{"group": "apps", "kind": "*"}])
    assert proj.allows_kind("apps", "Deployment", namespaced=True)
    assert not proj.allows_kind("", "ConfigMap", namespaced=True)


def test_the_default_project_allows_everything() -> None:
    default = default_project()
    assert default.allows_repo(REPO)
    assert default.allows_destination(Destination(server=IN_CLUSTER, namespace="anything"))
    assert default.allows_kind("apiextensions.k8s.io", "CustomResourceDefinition", namespaced=False)


def test_roles_and_sync_windows_are_read() -> None:
    proj = project(
        roles=[{"name": "ci", "policies": ["p, proj:dev:ci, applications, sync, dev/*, allow"]}],
        syncWindows=[
            {"kind": "deny", "schedule": "0 22 * * *", "duration": "1h", "applications": ["*"]}
        ],
    )
    assert proj.roles[0].policies[0].startswith("p, proj:dev:ci")
    assert proj.sync_windows[0].kind == "deny"


def test_a_destination_without_a_list_is_an_error_naming_the_field() -> None:
    doc = {"metadata": {"name": "dev"}, "spec": {"destinations": {"namespace": "dev"}}}
    with pytest.raises(ManifestError) as caught:
        parse_project(doc, file="projects.yaml")
    assert str(caught.value).startswith("projects.yaml: AppProject dev: spec.destinations: ")


def test_orphaned_resources_warn_and_ignore_entries_are_read() -> None:
    proj = project(
        orphanedResources={"warn": True, "ignore": [{"kind": "ConfigMap", "name": "kube-*"}]}
    )
    assert proj.orphaned_resources is not None
    assert proj.orphaned_resources.warn
    assert proj.orphaned_resources.ignores("", "ConfigMap", "kube-root-ca.crt")
    assert not proj.orphaned_resources.ignores("", "ConfigMap", "settings")
    assert project().orphaned_resources is None
