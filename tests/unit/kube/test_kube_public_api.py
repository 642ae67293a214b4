"""The kube layer's public surface is what ``gitward.kube.__all__`` says, and all of it exists."""

from __future__ import annotations

import gitward.kube


def test_the_public_surface_is_exactly_the_documented_names():
    assert set(gitward.kube.__all__) == {
        "FIELD_MANAGER",
        "Backoff",
        "CacheEvent",
        "Cluster",
        "ClusterAccess",
        "Clusters",
        "KindState",
        "LiveCache",
        "LogOptions",
        "ObjectList",
        "RemoteCluster",
        "ResourceType",
        "Tracking",
        "WatchEvent",
        "owning_app",
        "stamp",
    }


def test_every_public_name_is_importable():
    missing = [name for name in gitward.kube.__all__ if not hasattr(gitward.kube, name)]

    assert missing == []


def test_the_remote_cluster_satisfies_the_cluster_port():
    port_methods = {
        "name",
        "resource_type",
        "get",
        "list",
        "watch",
        "apply",
        "create",
        "replace",
        "patch",
        "delete",
        "close",
    }

    assert all(hasattr(gitward.kube.RemoteCluster, method) for method in port_methods)
