"""Clusters added through ``POST /api/v1/clusters`` are used by the running controller at once,
as ``argocd cluster add`` makes a cluster usable in Argo CD; deleting one stops its use without
pruning anything, and a restart loads every stored cluster again.

The server's configured cluster is the sandbox as ``https://kubernetes.default.svc`` (through a
kubeconfig); the same sandbox is registered a second time through the API under its own URL
with a bearer token, and an app names that second registration. The sandbox refuses requests
without a token, so every request the app causes carries one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import QUICK, Api

from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_SERVER
from gitward.model.objects import ResourceKey
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.server.running import ServerConfig, run_server
from support.applications import CREATE_NAMESPACE, PRUNE_AND_SELF_HEAL, application
from support.repos import commit_all, init_repository

TOKEN = "second-cluster-token-never-shown"
NEW_TOKEN = "rotated-cluster-token-never-shown"
REPO_URL = "https://git.example.com/team/web.git"
SECOND = "second"
APP = "web"
DEPLOYMENT = ResourceKey("apps", "Deployment", "web", "web")
CONFIG_MAP = ResourceKey("", "ConfigMap", "web", "web-settings")
MANIFESTS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web-settings}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    return SandboxOptions(require_token=True, pod_ready_after=0.02)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "web"
    (repo / "manifests").mkdir(parents=True)
    (repo / "manifests" / "web.yaml").write_text(MANIFESTS)
    init_repository(repo)
    commit_all(repo, "initial")
    return repo


@pytest.fixture
def config(tmp_path: Path, access: ClusterAccess, repository: Path) -> ServerConfig:
    """A reconciling server whose configured cluster is the sandbox as the in-cluster address."""
    return ServerConfig(
        data_dir=tmp_path / "data",
        clusters=(access,),
        controller=QUICK,
        local_repos={REPO_URL: repository},
        git_cache_dir=tmp_path / "git-cache",
    )


@contextlib.asynccontextmanager
async def serving(config: ServerConfig) -> AsyncIterator[Api]:
    async with run_server(config) as server:
        api = Api(server, Path(config.local_repos[REPO_URL]))
        try:
            yield api
        finally:
            await api.close()


@pytest.fixture
async def api(config: ServerConfig) -> AsyncIterator[Api]:
    async with serving(config) as running:
        yield running


def second_cluster(sandbox: Sandbox, token: str = TOKEN) -> dict[str, Any]:
    return {
        "server": sandbox.url,
        "name": SECOND,
        "config": {"bearerToken": token, "tlsClientConfig": {"insecure": False}},
    }


def web_app() -> dict[str, Any]:
    """The web app, deploying to the second cluster by its name, synced automatically."""
    return application(
        APP,
        repo_url=REPO_URL,
        path="manifests",
        cluster=SECOND,
        namespace="web",
        automated=PRUNE_AND_SELF_HEAL,
        sync_options=CREATE_NAMESPACE,
    )


async def wait_for_app(
    client: httpx.AsyncClient, holds: Callable[[dict[str, Any]], bool], within: float = 30.0
) -> dict[str, Any]:
    """The app's JSON once ``holds(app)``; fails with the last one seen after ``within`` s."""
    seen: dict[str, Any] = {}
    try:
        async with asyncio.timeout(within):
            while True:
                answer = await client.get(f"/api/v1/applications/{APP}")
                seen = answer.json()
                if answer.status_code == 200 and holds(seen):
                    return seen
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"the app never got there; last seen: {seen.get('status')}")


def synced_and_healthy(app: dict[str, Any]) -> bool:
    status = app["status"]
    return (status["sync"]["status"], status["health"]["status"]) == ("Synced", "Healthy")


def names_the_missing_cluster(app: dict[str, Any]) -> bool:
    messages = [condition.get("message", "") for condition in app["status"]["conditions"]]
    return any(f"no cluster is configured for name {SECOND}" in m for m in messages)


async def test_an_app_deploys_to_a_cluster_registered_through_the_api_at_once(
    api: Api, sandbox: Sandbox, cluster: RemoteCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = await api.admin()

    added = await admin.post("/api/v1/clusters", json=second_cluster(sandbox))
    created = await admin.post("/api/v1/applications", json=web_app())
    app = await wait_for_app(admin, synced_and_healthy)

    assert (added.status_code, created.status_code) == (200, 200), added.text + created.text
    assert added.json()["config"]["hasBearerToken"] is True
    assert app["spec"]["destination"] == {"name": SECOND, "namespace": "web"}
    assert (await cluster.get(DEPLOYMENT))["spec"]["replicas"] == 1
    assert (await cluster.get(CONFIG_MAP))["data"] == {"greeting": "hello"}
    assert TOKEN not in added.text + caplog.text


async def test_after_its_cluster_is_deleted_an_app_names_the_missing_cluster_and_nothing_is_pruned(
    api: Api, sandbox: Sandbox, cluster: RemoteCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = await api.admin()
    await admin.post("/api/v1/clusters", json=second_cluster(sandbox))
    await admin.post("/api/v1/applications", json=web_app())
    await wait_for_app(admin, synced_and_healthy)
    served_before = len(sandbox.requests.records())

    deleted = await admin.delete(f"/api/v1/clusters/{quote(sandbox.url, safe='')}")
    app = await wait_for_app(admin, names_the_missing_cluster)
    listed = await admin.get("/api/v1/clusters")

    assert deleted.status_code == 200
    assert app["status"]["sync"]["status"] == "Unknown"
    assert listed.json() == {"items": []}
    assert api.server.controller.caches.all() == []
    assert await cluster.get(DEPLOYMENT) and await cluster.get(CONFIG_MAP)
    after = sandbox.requests.records()[served_before:]
    assert [r for r in after if r.verb in ("delete", "deletecollection")] == []
    assert TOKEN not in caplog.text + app["status"]["conditions"][0]["message"]


async def test_new_credentials_for_a_registered_cluster_rebuild_its_live_cache(
    api: Api, sandbox: Sandbox
) -> None:
    admin = await api.admin()
    await admin.post("/api/v1/clusters", json=second_cluster(sandbox))
    await admin.post("/api/v1/applications", json=web_app())
    await wait_for_app(admin, synced_and_healthy)
    [old_cache] = api.server.controller.caches.all()

    replaced = await admin.post(
        "/api/v1/clusters", json=second_cluster(sandbox, NEW_TOKEN), params={"upsert": "true"}
    )
    await admin.get(f"/api/v1/applications/{APP}", params={"refresh": "hard"})
    app = await wait_for_app(
        admin, lambda app: synced_and_healthy(app) and len(api.server.controller.caches.all()) == 1
    )

    [new_cache] = api.server.controller.caches.all()
    access = api.server.services.clusters.registry.access(name=SECOND)
    assert replaced.status_code == 200 and synced_and_healthy(app)
    assert new_cache is not old_cache and new_cache.cluster is not old_cache.cluster
    assert access.bearer_token == NEW_TOKEN
    assert NEW_TOKEN not in replaced.text


async def test_a_restarted_server_uses_the_clusters_stored_before(
    config: ServerConfig, sandbox: Sandbox
) -> None:
    async with serving(config) as first:
        password = first.server.admin_password
        admin = await first.admin()
        added = await admin.post("/api/v1/clusters", json=second_cluster(sandbox))

    async with serving(config) as second:
        assert password is not None
        admin = second.client(await second.login("admin", password))
        await admin.post("/api/v1/applications", json=web_app())
        await wait_for_app(admin, synced_and_healthy)
        access = second.server.services.clusters.registry.access(name=SECOND)

    assert added.status_code == 200
    assert access.server == sandbox.url and access.bearer_token == TOKEN


async def test_a_stored_cluster_the_configuration_now_holds_is_skipped_at_start_with_a_warning(
    config: ServerConfig, access: ClusterAccess, caplog: pytest.LogCaptureFixture
) -> None:
    claim = {"server": IN_CLUSTER_SERVER, "name": "claimed", "config": {"bearerToken": TOKEN}}
    async with serving(dataclasses.replace(config, clusters=())) as unconfigured:
        admin = await unconfigured.admin()
        added = await admin.post("/api/v1/clusters", json=claim)
        password = unconfigured.server.admin_password

    caplog.set_level(logging.WARNING)
    async with serving(config) as configured:
        registry = configured.server.services.clusters.registry
        found = registry.access(server=IN_CLUSTER_SERVER)
        assert password is not None
        admin = configured.client(await configured.login("admin", password))
        listed = (await admin.get("/api/v1/clusters")).json()["items"]

    assert added.status_code == 200
    assert found is access and registry.registered() == []
    assert [item["name"] for item in listed] == ["claimed"]
    assert f"the stored cluster {IN_CLUSTER_SERVER} is not used" in caplog.text
    assert "comes from gitward's configuration" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("change", "status", "expected"),
    [
        ({"server": IN_CLUSTER_SERVER}, 409, "comes from gitward's configuration"),
        ({"name": "in-cluster"}, 409, "comes from gitward's configuration"),
        ({"config": {"bearerToken": ""}}, 400, "config.bearerToken is required"),
        (
            {"config": {"bearerToken": TOKEN, "password": "pw-never-shown"}},
            400,
            "config.password cannot be used yet",
        ),
    ],
)
async def test_a_cluster_gitward_could_not_use_or_that_the_configuration_holds_is_refused(
    api: Api, sandbox: Sandbox, change: dict[str, Any], status: int, expected: str
) -> None:
    admin = await api.admin()

    answer = await admin.post("/api/v1/clusters", json={**second_cluster(sandbox), **change})

    assert answer.status_code == status
    assert expected in answer.json()["message"]
    assert TOKEN not in answer.text and "pw-never-shown" not in answer.text
    assert (await admin.get("/api/v1/clusters")).json() == {"items": []}
