"""Built-in scopes and Argo CD's kind order, without a cluster."""

from __future__ import annotations

import pytest

from gitward.model import kinds


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        ("", "Namespace"),
        ("", "PersistentVolume"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("storage.k8s.io", "StorageClass"),
        ("networking.k8s.io", "IngressClass"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ],
)
def test_built_in_cluster_scoped_kinds_are_not_namespaced(group: str, kind: str) -> None:
    assert not kinds.is_namespaced(group, kind)


@pytest.mark.parametrize(
    ("group", "kind"),
    [("", "ConfigMap"), ("apps", "Deployment"), ("rbac.authorization.k8s.io", "Role")],
)
def test_ordinary_kinds_are_namespaced(group: str, kind: str) -> None:
    assert kinds.is_namespaced(group, kind)


def test_a_kind_of_the_same_name_in_another_group_is_namespaced() -> None:
    assert kinds.is_namespaced("example.com", "Namespace")


def test_custom_kinds_are_namespaced_unless_declared_cluster_scoped() -> None:
    assert kinds.is_namespaced("example.com", "Widget")
    assert not kinds.is_namespaced(
        "example.com", "Widget", extra_cluster_scoped={("example.com", "Widget")}
    )


def test_namespaces_go_first_and_api_services_last_among_known_kinds() -> None:
    ranks = [
        kinds.kind_rank(kind) for kind in ("Namespace", "ConfigMap", "Deployment", "APIService")
    ]
    assert ranks == sorted(ranks)
    assert kinds.kind_rank("Namespace") == 0


def test_unknown_kinds_rank_after_every_known_kind() -> None:
    assert kinds.kind_rank("Widget") > kinds.kind_rank("APIService")
    assert kinds.kind_rank("Widget") == kinds.kind_rank("Gadget")


def test_secrets_and_config_maps_come_before_the_workloads_that_mount_them() -> None:
    assert kinds.kind_rank("Secret") < kinds.kind_rank("Deployment")
    assert kinds.kind_rank("ConfigMap") < kinds.kind_rank("StatefulSet")
    assert kinds.kind_rank("CustomResourceDefinition") < kinds.kind_rank("Service")
