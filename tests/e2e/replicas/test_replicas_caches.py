"""Live caches stay per replica (issue 17.1): a replica watches a cluster only while it owns an
app deploying there, as its ``/metrics`` cache gauges show; its API still shows the live objects
of an app another replica owns on a cluster it does not watch; and when the owner leaves, the
survivor starts watching that cluster and self-heals the app there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import Replica, Replicas, application

from gitward.sandbox import Sandbox, SandboxOptions
from support.waiting import wait_for

SECOND = "second"


@pytest.fixture
def second_cluster() -> Iterator[Sandbox]:
    """Another sandbox: a cluster of its own, registered through the API."""
    with Sandbox.start(SandboxOptions(pod_ready_after=0.5)) as running:
        yield running


def cached(replica: Replica) -> dict[str, dict[str, float]]:
    """Per cluster server the replica watches: its cache gauges (objects, kinds, apps)."""
    text = httpx.get(replica.metrics_url, timeout=10).text
    found: dict[str, dict[str, float]] = {}
    names = {
        "gitward_cluster_api_resource_objects": "objects",
        "gitward_cluster_api_resources": "kinds",
        "gitward_cluster_cache_apps": "apps",
    }
    for line in text.splitlines():
        name, _, rest = line.partition("{")
        if name in names and rest.startswith('server="'):
            server, _, value = rest.removeprefix('server="').partition('"} ')
            found.setdefault(server.rstrip("/"), {})[names[name]] = float(value)
    return found


def apps_on(replica: Replica, server: str) -> float:
    """The apps the replica reconciles on the cluster at ``server`` (0: not watched)."""
    return cached(replica).get(server, {}).get("apps", 0.0)


def automated(name: str, destination: dict[str, str]) -> dict[str, Any]:
    app = application(name)
    app["spec"]["destination"] = {**destination, "namespace": name}
    app["spec"]["syncPolicy"] = {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": ["CreateNamespace=true"],
    }
    return app


def state(client: httpx.Client, name: str) -> str:
    status = client.get(f"/api/v1/applications/{name}").json()["status"]
    return f"{status['sync']['status']}/{status['health']['status']}"


def deployed(client: httpx.Client, names: list[str]) -> None:
    for name in names:
        wait_for(lambda n=name: state(client, n) == "Synced/Healthy", 90, f"{name} deployed")


def test_a_replica_watches_only_the_clusters_it_owns_apps_on_and_takes_one_up_on_failover(
    replicas: Replicas, sandbox: tuple[Sandbox, Any], second_cluster: Sandbox
) -> None:
    first = replicas.start()
    elsewhere = second_cluster.url.rstrip("/")
    cluster = {"server": second_cluster.url, "name": SECOND, "config": {"bearerToken": "t0ken"}}
    on_second_cluster = [f"b-{n}" for n in range(6)]
    with replicas.client(first) as client:
        assert client.post("/api/v1/clusters", json=cluster).status_code == 200
        for name in on_second_cluster:
            made = client.post("/api/v1/applications", json=automated(name, {"name": SECOND}))
            assert made.is_success, made.text
        deployed(client, on_second_cluster)
        assert cached(first)[elsewhere]["apps"] == len(on_second_cluster)

        # A second replica joins and takes its share; the first one's apps there are deleted:
        # the first replica owns no app on the second cluster and stops watching it.
        second = replicas.start()
        kept = [name for name in on_second_cluster if replicas.owner_of(name) is second]
        for name in on_second_cluster:
            if name not in kept:
                assert client.delete(f"/api/v1/applications/{name}").is_success
        added = [f"b-{n}" for n in range(6, 200) if replicas.owner_of(f"b-{n}") is second][:2]
        for name in added:
            made = client.post("/api/v1/applications", json=automated(name, {"name": SECOND}))
            assert made.is_success, made.text
        kept += added
        at_home = next(f"a-{n}" for n in range(100) if replicas.owner_of(f"a-{n}") is first)
        home = {"server": "https://kubernetes.default.svc"}
        assert client.post("/api/v1/applications", json=automated(at_home, home)).is_success
        deployed(client, [at_home])
        wait_for(lambda: elsewhere not in cached(first), 30, "the second cluster unwatched")
        assert [use["apps"] for use in cached(first).values()] == [1]
        deployed(client, kept)
        owned = wait_for(lambda: apps_on(second, elsewhere) == len(kept), 60, "all placed")
        assert owned and list(cached(second)) == [elsewhere]

        # An app the second replica owns, deleted through the first one's API: the second hears
        # it (the change feed) and lets the app go.
        assert client.delete(f"/api/v1/applications/{kept.pop()}").is_success
        wait_for(lambda: apps_on(second, elsewhere) == len(kept), 30, "the deleted app let go")

        # Its API still shows the live objects of an app the second replica owns there.
        shown_app = kept[0]
        tree = client.get(f"/api/v1/applications/{shown_app}/resource-tree").json()
        kinds = {node["kind"] for node in tree["nodes"]}
        assert {"ConfigMap", "Deployment", "ReplicaSet", "Pod"} <= kinds
        shown = client.get(f"/api/v1/applications/{shown_app}/managed-resources").json()
        assert shown["items"] and all(item["liveState"] != "null" for item in shown["items"])
        assert cached(first)[elsewhere]["apps"] == 0  # kept for a while for the API only

        second.process.terminate()  # leaves: its lease is given up at once
        second.process.wait(timeout=30)
        wait_for(lambda: apps_on(first, elsewhere) == len(kept), 60, "taken up by the survivor")
        drift(second_cluster, shown_app)
        wait_for(lambda: config_data(second_cluster, shown_app) == {"wave": "0"}, 60, "healed")


def config_url(cluster: Sandbox, namespace: str) -> str:
    return f"{cluster.url}/api/v1/namespaces/{namespace}/configmaps/wave0-config"


def drift(cluster: Sandbox, namespace: str) -> None:
    """Change a ConfigMap the app deployed behind gitward's back."""
    headers = {"Authorization": "Bearer t0ken", "Content-Type": "application/merge-patch+json"}
    patch = {"data": {"wave": "drifted"}}
    changed = httpx.patch(config_url(cluster, namespace), json=patch, headers=headers)
    assert changed.status_code == 200, changed.text


def config_data(cluster: Sandbox, namespace: str) -> dict[str, str]:
    shown = httpx.get(config_url(cluster, namespace), headers={"Authorization": "Bearer t0ken"})
    found: dict[str, str] = shown.json()["data"]
    return found
