"""argocd-cm reaches the running controller: a real ``gitward server`` (``run_server`` with
``--settings``) against the sandbox cluster over HTTP, and the settings file edited while it
runs. A Lua health check makes an app Degraded, a global ignoreDifferences hides drift, an
excluded kind is neither watched nor applied, and each changes with the file, without a restart.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from controller_world import FAST, World

from gitward.errors import NotFoundError
from gitward.model.objects import ResourceKey
from gitward.server.running import RunningServer, ServerConfig, run_server
from support.applications import application
from support.kube_objects import crd
from support.repos import new_repository

REPO_URL = "https://git.example.com/widgets.git"
APP = "widgets"
HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n"
WIDGET = ResourceKey("example.com", "Widget", APP, "gizmo")
WEB = ResourceKey("apps", "Deployment", APP, "web")

CRD = crd()
MANIFESTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": APP}},
    CRD,
    {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "gizmo", "namespace": APP},
        "spec": {"broken": True},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": APP},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    },
]
APPLICATION = application(APP, repo_url=REPO_URL, path=".", app_namespace="argocd", automated={})
BROKEN_WIDGETS = """\
resource.customizations.health.example.com_Widget: |
  hs = {status = "Healthy", message = "widget " .. obj.metadata.name .. " works"}
  if obj.spec ~= nil and obj.spec.broken then
    hs.status = "Degraded"
    hs.message = "widget " .. obj.metadata.name .. " is broken"
  end
  return hs
"""
NO_WIDGETS = """\
resource.exclusions: |
  - apiGroups: [example.com]
    kinds: [Widget]
"""
IGNORE_REPLICAS = """\
resource.customizations.ignoreDifferences.apps_Deployment: |
  jsonPointers:
  - /spec/replicas
"""


@dataclass
class Served:
    """The server, its settings file and an admin client."""

    running: RunningServer
    settings: Path
    admin: httpx.AsyncClient
    world: World

    def edit(self, data: str) -> None:
        staged = self.settings.with_suffix(".tmp")
        staged.write_text(HEADER + textwrap.indent(data, "  "))
        staged.replace(self.settings)

    async def app(self) -> dict[str, Any]:
        answer = await self.admin.get(f"/api/v1/applications/{APP}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    async def until(
        self, check: Callable[[dict[str, Any]], bool], what: str, within: float = 30.0
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not check(found := await self.app()):
            status = found.get("status", {})
            shown = {k: status.get(k) for k in ("sync", "health", "conditions", "resources")}
            assert loop.time() < deadline, f"not within {within}s: {what}; last: {shown}"
            await asyncio.sleep(0.1)
        return found


ServerFactory = Callable[[str], Awaitable[Served]]


@pytest.fixture
async def serve(world: World, tmp_path: Path) -> AsyncIterator[ServerFactory]:
    opened: list[tuple[Any, httpx.AsyncClient]] = []

    async def start(settings_data: str) -> Served:
        repo = tmp_path / "widgets"
        new_repository(repo, {"all.yaml": yaml.safe_dump_all(MANIFESTS)})
        root = tmp_path / "application.yaml"
        root.write_text(yaml.safe_dump(APPLICATION))
        settings = tmp_path / "argocd-cm.yaml"
        settings.write_text(HEADER + textwrap.indent(settings_data, "  "))
        config = ServerConfig(
            data_dir=tmp_path / "data",
            # No periodic refresh within a test: what changes after an edit of the file
            # comes from the reload itself (every app is refreshed at once).
            controller=replace(FAST, reconciliation_s=600.0),
            clusters=(world.access,),
            local_repos={REPO_URL: repo},
            git_cache_dir=tmp_path / "git-cache",
            bootstrap=root,
            settings_file=settings,
            settings_check_s=0.05,
        )
        context = run_server(config)
        running = await context.__aenter__()
        client = httpx.AsyncClient(base_url=running.url, timeout=30.0)
        assert running.admin_password is not None
        login = await client.post(
            "/api/v1/session", json={"username": "admin", "password": running.admin_password}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        opened.append((context, client))
        return Served(running, settings, client, world)

    yield start
    for context, client in opened:
        await client.aclose()
        await context.__aexit__(None, None, None)


def health(app: dict[str, Any]) -> tuple[str, str]:
    found = app["status"]["health"]
    return found["status"], found.get("message") or ""


def resource_health(app: dict[str, Any], kind: str) -> dict[str, Any]:
    for item in app["status"]["resources"]:
        if item["kind"] == kind:
            found: dict[str, Any] = item.get("health") or {}
            return found
    return {}


async def test_a_lua_health_check_makes_the_app_degraded_and_an_edit_makes_it_healthy(
    serve: ServerFactory,
) -> None:
    served = await serve(BROKEN_WIDGETS)
    degraded = await served.until(
        lambda app: health(app)[0] == "Degraded", "the Lua check judged the widget Degraded"
    )
    assert "widget gizmo is broken" in health(degraded)[1]
    assert resource_health(degraded, "Widget")["status"] == "Degraded"

    served.edit(BROKEN_WIDGETS.replace('hs.status = "Degraded"', 'hs.status = "Suspended"'))
    suspended = await served.until(
        lambda app: resource_health(app, "Widget").get("status") == "Suspended",
        "the edited script in force without a restart",
    )
    assert health(suspended)[0] == "Suspended"


async def test_a_global_ignore_rule_hides_drift_and_takes_effect_when_added(
    serve: ServerFactory,
) -> None:
    served = await serve("")
    await served.until(
        lambda app: app["status"]["sync"]["status"] == "Synced" and health(app)[0] == "Healthy",
        "deployed",
    )
    patch = [{"op": "replace", "path": "/spec/replicas", "value": 3}]
    await served.world.cluster.patch(WEB, patch, patch_type="json")
    await served.until(
        lambda app: app["status"]["sync"]["status"] == "OutOfSync", "replicas drift is seen"
    )

    served.edit(IGNORE_REPLICAS)
    await served.until(
        lambda app: app["status"]["sync"]["status"] == "Synced",
        "the global rule hides the drift without a restart",
    )
    live = await served.world.cluster.get(WEB)
    assert live["spec"]["replicas"] == 3
    shown = await served.admin.get(f"/api/v1/applications/{APP}/managed-resources")
    web = next(item for item in shown.json()["items"] if item["kind"] == "Deployment")
    assert (web["status"], web["diff"]) == ("Synced", "")


async def test_an_excluded_kind_is_never_watched_nor_applied_until_the_exclusion_goes(
    serve: ServerFactory,
) -> None:
    served = await serve(NO_WIDGETS)
    synced = await served.until(
        lambda app: (
            app["status"]["sync"]["status"] == "Synced"
            and health(app)[0] == "Healthy"
            and any(c["type"] == "ExcludedResourceWarning" for c in app["status"]["conditions"])
        ),
        "synced without the widget, with a warning",
    )
    warning = next(
        c for c in synced["status"]["conditions"] if c["type"] == "ExcludedResourceWarning"
    )
    assert "Widget" in warning["message"] and "gizmo" in warning["message"]
    with pytest.raises(NotFoundError):
        await served.world.cluster.get(WIDGET)
    requests = served.world.sandbox.request_log()
    assert not [r for r in requests if r.kind == "Widget" and r.verb in ("list", "watch")]
    assert not [r for r in requests if r.kind == "Widget" and r.verb == "apply"]

    served.edit("")
    missing = await served.until(
        lambda app: any(
            item["kind"] == "Widget" and item["status"] == "Missing"
            for item in app["status"]["resources"]
        ),
        "the widget compared (Missing) once the exclusion is gone, without a restart",
    )
    assert missing["status"]["sync"]["status"] == "OutOfSync"
    watched = [r for r in served.world.sandbox.request_log() if r.kind == "Widget"]
    assert any(r.verb == "watch" for r in watched)
    answer = await served.admin.post(f"/api/v1/applications/{APP}/sync", json={})
    assert answer.status_code == 200, answer.text
    await served.until(lambda app: app["status"]["sync"]["status"] == "Synced", "the widget synced")
    assert (await served.world.cluster.get(WIDGET))["spec"] == {"broken": True}


async def test_label_tracking_with_the_configured_label_key_marks_what_a_sync_creates(
    serve: ServerFactory,
) -> None:
    served = await serve(
        "application.resourceTrackingMethod: label\n"
        "application.instanceLabelKey: team.example.com/app\n"
    )
    await served.until(
        lambda app: app["status"]["sync"]["status"] == "Synced", "deployed and compared"
    )
    metadata = (await served.world.cluster.get(WEB))["metadata"]
    assert metadata["labels"]["team.example.com/app"] == APP
    assert "argocd.argoproj.io/tracking-id" not in (metadata.get("annotations") or {})
    shown = (await served.admin.get("/api/v1/settings")).json()
    assert (shown["resourceTrackingMethod"], shown["appLabelKey"]) == (
        "label",
        "team.example.com/app",
    )
