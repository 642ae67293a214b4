"""Discovery against the sandbox: plurals and scopes, caching, and a refresh when a CRD appears."""

from __future__ import annotations

import pytest
from cluster_objects import crd

from gitward.errors import UnknownKindError
from gitward.kube import RemoteCluster
from gitward.model.objects import ResourceKey
from gitward.sandbox import Sandbox


def discovery_requests(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.request_log() if r.verb == "discovery")


async def test_built_in_kinds_map_to_their_plural_and_scope(cluster: RemoteCluster):
    deployments = await cluster.resource_type("apps", "Deployment")
    roles = await cluster.resource_type("rbac.authorization.k8s.io", "ClusterRole")

    assert (deployments.plural, deployments.namespaced, deployments.version) == (
        "deployments",
        True,
        "v1",
    )
    assert deployments.path("prod", "web") == "/apis/apps/v1/namespaces/prod/deployments/web"
    assert (roles.plural, roles.namespaced) == ("clusterroles", False)
    assert (await cluster.resource_type("", "Pod")).path("x") == "/api/v1/namespaces/x/pods"


async def test_a_kind_once_found_is_not_asked_for_again(cluster: RemoteCluster, sandbox: Sandbox):
    await cluster.resource_type("apps", "Deployment")
    asked = discovery_requests(sandbox)

    for _ in range(5):
        await cluster.resource_type("apps", "Deployment")

    assert discovery_requests(sandbox) == asked


async def test_a_kind_nobody_serves_is_unknown_after_one_fresh_look(
    cluster: RemoteCluster, sandbox: Sandbox
):
    await cluster.resource_type("apps", "Deployment")
    asked = discovery_requests(sandbox)

    with pytest.raises(UnknownKindError) as caught:
        await cluster.resource_type("example.com", "Widget")

    assert "no kind Widget in example.com" in caught.value.message
    assert "CustomResourceDefinition" in caught.value.hint
    assert discovery_requests(sandbox) > asked


async def test_a_custom_kind_is_found_once_its_crd_is_created(cluster: RemoteCluster):
    with pytest.raises(UnknownKindError):
        await cluster.resource_type("example.com", "Widget")

    await cluster.apply(crd())
    widgets = await cluster.resource_type("example.com", "Widget")
    applied = await cluster.apply(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default"},
            "spec": {"size": 3},
        }
    )

    assert (widgets.plural, widgets.namespaced) == ("widgets", True)
    assert applied["spec"] == {"size": 3}
    live = await cluster.get(ResourceKey("example.com", "Widget", "default", "w1"))
    assert live["metadata"]["uid"] == applied["metadata"]["uid"]


async def test_a_version_the_group_does_not_serve_is_unknown(cluster: RemoteCluster):
    with pytest.raises(UnknownKindError):
        await cluster.resource_type("apps", "Deployment", "v1beta9")
