"""Clusters registered and forgotten while gitward runs: found by server URL and name, retired
(listeners first, then the client closed) when forgotten or replaced, and never allowed to
replace a cluster from the server's configuration. A closed client or live cache fails fast."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx2
import pytest

from gitward.errors import ClusterConfigError, ClusterUnavailableError
from gitward.kube import ClusterAccess, Clusters, LiveCache, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.model.objects import ResourceKey

TOKEN = "registered-token-s3cr3t"
NEW_TOKEN = "replacement-token-s3cr3t"
STAGING = ClusterAccess(server="https://staging.example:6443", name="staging", bearer_token=TOKEN)
CONFIGURED = ClusterAccess(
    server=IN_CLUSTER_SERVER,
    name=IN_CLUSTER_NAME,
    kubeconfig=Path("/etc/gitward/kubeconfig"),
    context="ops",
)


class FakeCluster:
    """A client that records when it is closed (the registry's connector seam)."""

    def __init__(self, access: ClusterAccess, log: list[str]) -> None:
        self.access = access
        self.name = access.label
        self._log = log

    async def close(self) -> None:
        self._log.append(f"closed {self.access.bearer_token}")


class Registry:
    """A registry over fake clients, with a log of clients closed and accesses retired."""

    def __init__(self, configured: tuple[ClusterAccess, ...] = (), **options: object) -> None:
        self.log: list[str] = []
        self.clusters = Clusters(
            configured,
            connect=lambda access: FakeCluster(access, self.log),  # type: ignore[arg-type,return-value]
            **options,  # type: ignore[arg-type]
        )

        async def retired(access: ClusterAccess) -> None:
            self.log.append(f"retired {access.bearer_token}")

        self.clusters.on_retire(retired)


async def test_a_registered_cluster_is_found_by_server_url_and_by_name():
    registry = Registry()

    await registry.clusters.register(STAGING)

    assert registry.clusters.access(server="https://staging.example:6443/") is STAGING
    assert registry.clusters.access(name="staging") is STAGING
    assert registry.clusters.registered() == [STAGING]


async def test_a_forgotten_cluster_is_retired_then_closed_and_no_longer_found():
    registry = Registry()
    await registry.clusters.register(STAGING)
    registry.clusters.cluster(name="staging")

    gone = await registry.clusters.forget("https://staging.example:6443/")

    assert gone is STAGING
    assert registry.log == [f"retired {TOKEN}", f"closed {TOKEN}"]
    with pytest.raises(ClusterConfigError) as caught:
        registry.clusters.access(name="staging")
    assert "no cluster is configured for name staging" in caught.value.message


async def test_forgetting_a_server_never_registered_changes_nothing():
    registry = Registry((CONFIGURED,))

    assert await registry.clusters.forget(IN_CLUSTER_SERVER) is None
    assert registry.log == []
    assert registry.clusters.access(server=IN_CLUSTER_SERVER) is CONFIGURED


async def test_new_credentials_for_a_server_retire_the_old_client_and_the_next_use_gets_a_new_one():
    registry = Registry()
    await registry.clusters.register(STAGING)
    old = registry.clusters.cluster(name="staging")
    replacement = ClusterAccess(
        server=STAGING.server, name="staging", bearer_token=NEW_TOKEN, insecure=True
    )

    await registry.clusters.register(replacement)
    new = registry.clusters.cluster(name="staging")

    assert registry.log == [f"retired {TOKEN}", f"closed {TOKEN}"]
    assert new is not old
    assert new.access is replacement  # type: ignore[attr-defined]


async def test_registering_the_same_access_again_keeps_its_client():
    registry = Registry()
    await registry.clusters.register(STAGING)
    first = registry.clusters.cluster(name="staging")

    await registry.clusters.register(dataclasses.replace(STAGING))

    assert registry.clusters.cluster(name="staging") is first
    assert registry.log == []


@pytest.mark.parametrize(
    ("server", "name", "field"),
    [
        (IN_CLUSTER_SERVER, "mine", "server"),
        ("https://kubernetes.default.svc/", "mine", "server"),
        ("https://other.example", IN_CLUSTER_NAME, "name"),
    ],
)
async def test_a_registration_never_replaces_a_cluster_from_the_configuration(
    server: str, name: str, field: str
):
    registry = Registry((CONFIGURED,))

    with pytest.raises(ClusterConfigError) as caught:
        await registry.clusters.register(
            ClusterAccess(server=server, name=name, bearer_token=TOKEN)
        )

    assert "comes from gitward's configuration" in caught.value.message
    assert "kubeconfig /etc/gitward/kubeconfig, context ops" in caught.value.message
    assert caught.value.where.field == field
    assert TOKEN not in str(caught.value)
    assert registry.clusters.access(server=IN_CLUSTER_SERVER) is CONFIGURED
    assert registry.clusters.access(name=IN_CLUSTER_NAME) is CONFIGURED


async def test_the_in_cluster_service_account_counts_as_configuration_inside_a_pod(tmp_path: Path):
    (tmp_path / "token").write_text("sa-token")
    environ = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    in_a_pod = Registry(environ=environ, service_account_dir=tmp_path)
    outside = Registry(environ={}, service_account_dir=tmp_path)
    claim = ClusterAccess(server=IN_CLUSTER_SERVER, name="claimed", bearer_token=TOKEN)

    with pytest.raises(ClusterConfigError) as caught:
        await in_a_pod.clusters.register(claim)
    await outside.clusters.register(claim)

    assert "the in-cluster service account" in caught.value.message
    assert in_a_pod.clusters.access(server=IN_CLUSTER_SERVER).in_cluster
    assert outside.clusters.access(server=IN_CLUSTER_SERVER) is claim


async def test_a_name_another_registered_cluster_holds_is_refused():
    registry = Registry()
    await registry.clusters.register(STAGING)
    other = ClusterAccess(server="https://other.example", name="staging", bearer_token=NEW_TOKEN)

    with pytest.raises(ClusterConfigError) as caught:
        await registry.clusters.register(other)

    assert "already used by the cluster https://staging.example:6443" in caught.value.message
    assert registry.clusters.access(name="staging") is STAGING


async def test_closing_the_registry_closes_clients_but_keeps_registrations():
    registry = Registry()
    await registry.clusters.register(STAGING)
    registry.clusters.cluster(name="staging")

    await registry.clusters.close()

    assert registry.log == [f"closed {TOKEN}"]
    assert registry.clusters.access(name="staging") is STAGING


async def test_a_closed_client_fails_as_a_passing_error_that_names_the_cluster():
    cluster = RemoteCluster.connect(
        STAGING, transport=httpx2.MockTransport(lambda request: httpx2.Response(500))
    )
    await cluster.close()

    with pytest.raises(ClusterUnavailableError) as caught:
        await cluster.resource_type("", "ConfigMap")

    assert "the connection to cluster staging was closed" in caught.value.message
    assert TOKEN not in str(caught.value)


async def test_a_closed_live_cache_starts_no_watch_and_is_never_warm():
    cluster = RemoteCluster.connect(
        STAGING, transport=httpx2.MockTransport(lambda request: httpx2.Response(500))
    )
    cache = LiveCache(cluster)
    await cache.close()

    cache.watch_kinds_of([ResourceKey("", "ConfigMap", "default", "settings")])

    assert cache.kinds() == []
    with pytest.raises(ClusterUnavailableError) as caught:
        await cache.wait_warm(within=5.0)
    assert "the live cache was closed" in caught.value.message
    await cluster.close()
