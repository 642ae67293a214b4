"""A small automated app of plain manifests, synced by the controller to the sandbox: what
Argo CD's own example apps showed.

- A source gitward cannot render (a config management plugin) is an error: the app is Unknown
  with a ComparisonError naming the field, and nothing that is live is pruned.
- Right after an automated sync, the follow-up comparison sees what the sync wrote (it waits
  for the live cache to catch up with the resourceVersions the sync got back), so one commit
  makes one sync, not a second one a moment later.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from controller_world import World

from gitward.kube import ClusterAccess, RemoteCluster
from gitward.kube.cluster import WatchEvent
from support import applications
from support.repos import commit_all, new_repository, write_files

REPO_URL = "https://git.example.com/team/web.git"
APP = "web"


def config_map(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: {name}\n"


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          ports: [{containerPort: 8080}]
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""
FILES = {
    "web/deployment.yaml": DEPLOYMENT,
    "web/service.yaml": SERVICE,
    **{f"web/config-{n}.yaml": config_map(f"config-{n}") for n in range(12)},
}


def application(source: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """The web app of the repository's web/ (with ``source`` fields added), synced by itself."""
    return applications.application(
        APP,
        repo_url=REPO_URL,
        path="web",
        source=source,
        app_namespace="argocd",
        automated=applications.PRUNE_AND_SELF_HEAL,
        sync_options=applications.CREATE_NAMESPACE,
    )


WATCH_LAG_S = 0.1
"""How late the controller hears of each change (a busy API server, a slow network)."""


class LaggingWatches:
    """The real client to the sandbox, whose watch events arrive ``WATCH_LAG_S`` late."""

    def __init__(self, access: ClusterAccess) -> None:
        self._real = RemoteCluster.connect(access)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def watch(self, *args: Any, **kwargs: Any) -> AsyncGenerator[WatchEvent, None]:
        async for event in self._real.watch(*args, **kwargs):
            await asyncio.sleep(WATCH_LAG_S)
            yield event


async def deployed(world: World) -> str:
    repo = world.tmp / "web-repo"
    sha = new_repository(repo, FILES)
    world.repositories[REPO_URL] = repo
    controller = await world.start()
    await controller.bootstrap(application())
    await world.until_app(APP, sync_status="Synced", health_status="Healthy", within=60)
    return sha


async def syncs_of(world: World) -> list[Any]:
    """The commits of each sync the app had, oldest first (the audit log lists newest first)."""
    entries = await world.store.audit.list(target=f"Application {APP}", action="sync")
    return [entry.details["revisions"] for entry in reversed(entries)]


async def test_one_commit_makes_one_automated_sync_not_a_second_one_right_after(
    world: World,
) -> None:
    world.connect = LaggingWatches  # type: ignore[assignment]
    first = await deployed(world)
    assert world.controller is not None
    for _ in range(3):  # comparisons after the sync: none may find drift
        assert await world.controller.refreshed(APP, within=30)
    repo = world.repositories[REPO_URL]
    write_files(
        repo, {"web/config-0.yaml": config_map("config-0").replace("key: config-0", "key: new")}
    )
    second = commit_all(repo, "change one ConfigMap")
    assert await world.controller.refreshed(APP, within=30)
    await world.until_app(APP, sync_status="Synced", observed_revisions=(second,))
    for _ in range(3):
        assert await world.controller.refreshed(APP, within=30)

    assert await syncs_of(world) == [[first], [second]]
    assert [h.commit_sha for h in await world.store.history.list(APP)] == [second, first]
    record = await world.app(APP)
    assert (record.status.sync_status, record.status.health_status) == ("Synced", "Healthy")


async def test_a_plugin_source_is_unknown_with_an_error_naming_the_field_and_prunes_nothing(
    world: World,
) -> None:
    await deployed(world)
    assert world.controller is not None

    await world.controller.bootstrap(application({"plugin": {"name": "my-plugin"}}))
    record = await world.until_app(APP, sync_status="Unknown")

    [condition] = record.status.conditions
    assert condition["type"] == "ComparisonError"
    assert (
        "spec.source.plugin: config management plugins are not run by gitward"
        in (condition["message"])
    )
    for _ in range(2):
        assert await world.controller.refreshed(APP, within=30)
    assert await world.live("Deployment", APP, "web") is not None
    assert await world.live("ConfigMap", APP, "config-11", group="") is not None
    assert len(await syncs_of(world)) == 1


CAPABILITIES_CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: caps\nversion: 0.1.0\n",
    "chart/templates/caps.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: capabilities
data:
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  deployments: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
  widgets: {{ .Capabilities.APIVersions.Has "example.com/v1/Widget" | quote }}
""",
}


async def test_a_helm_chart_sees_the_destination_clusters_capabilities(world: World) -> None:
    repo = world.tmp / "caps-repo"
    new_repository(repo, CAPABILITIES_CHART)
    world.repositories[REPO_URL] = repo
    controller = await world.start()
    cluster_app = dict(application({"path": "chart"}))
    await controller.bootstrap(cluster_app)
    await world.until_app(APP, sync_status="Synced", health_status="Healthy", within=60)

    shown = (await world.live("ConfigMap", APP, "capabilities", group=""))["data"]

    assert shown == {
        "kubeVersion": "v1.35.0-gitward-sandbox",
        "deployments": "true",
        "widgets": "false",
    }


async def test_an_apps_helm_kube_version_and_api_versions_override_the_clusters(
    world: World,
) -> None:
    repo = world.tmp / "caps-repo"
    new_repository(repo, CAPABILITIES_CHART)
    world.repositories[REPO_URL] = repo
    controller = await world.start()
    helm = {"kubeVersion": "1.29", "apiVersions": ["example.com/v1/Widget"]}
    await controller.bootstrap(application({"path": "chart", "helm": helm}))
    record = await world.until_app(APP, sync_status="Synced", health_status="Healthy", within=60)

    shown = (await world.live("ConfigMap", APP, "capabilities", group=""))["data"]

    # the app's list replaces the cluster's (as in Argo CD): Helm's defaults name no kinds
    assert shown == {"kubeVersion": "v1.29", "deployments": "false", "widgets": "true"}
    assert record.status.conditions == ()  # no "not supported" warning any more
