"""Drift that removes something is drift: a field, a label, a ConfigMap key, a container env var
or a Service port that Git no longer declares makes the app OutOfSync, the removal shows in the
per-resource diff (the managed-resources answer ``gitward app diff`` prints), and a sync removes
it live. What another field manager set (a ``kubectl`` apply, a merge patch) is not drift and
survives the sync.

The record of what gitward applied last is the set of fields its server-side apply owns in the
live object's ``managedFields``; the sandbox keeps them as a real API server does. The same
holds with server-side diff (``ServerSideDiff=true``), where the API server's dry-run apply
predicts live, and an unchanged app sends no second dry run.
"""

from __future__ import annotations

from typing import Any

import yaml
from controller_world import World

from gitward.kube import RemoteCluster
from gitward.model.annotations import COMPARE_OPTIONS
from gitward.model.objects import ResourceKey
from gitward.server import inspecting
from support import applications
from support.repos import commit_all, new_repository, write_files

SHOP_URL = "https://git.example.com/team/shop.git"
APP = "shop"
CONFIG = ResourceKey("", "ConfigMap", APP, "settings")
WEB = ResourceKey("apps", "Deployment", APP, "web")
SERVICE = ResourceKey("", "Service", APP, "web")


def manifests(*, removed: bool) -> str:
    """The app's objects; ``removed`` drops a field, a label, a ConfigMap key, an env var and a
    Service port from each."""
    labels = {"app": "web"} if removed else {"app": "web", "tier": "backend"}
    data = {"mode": "fast"} if removed else {"mode": "fast", "retries": "3"}
    env = [{"name": "MODE", "value": "fast"}]
    if not removed:
        env.append({"name": "DEBUG", "value": "1"})
    ports = [{"name": "http", "port": 80, "targetPort": 8080}]
    if not removed:
        ports.append({"name": "metrics", "port": 9090, "targetPort": 9090})
    deployment_spec: dict[str, Any] = {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "shop/web:1", "env": env}]},
        },
    }
    if not removed:
        deployment_spec["minReadySeconds"] = 5
    objects = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "labels": labels},
            "data": data,
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": deployment_spec,
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": ports},
        },
    ]
    return yaml.safe_dump_all(objects, sort_keys=False)


def application(*, server_side_diff: bool = False) -> dict[str, Any]:
    """The shop app, synced by hand; compared server-side when ``server_side_diff``."""
    return applications.application(
        APP,
        repo_url=SHOP_URL,
        path="app",
        app_namespace="argocd",
        annotations={COMPARE_OPTIONS: "ServerSideDiff=true"} if server_side_diff else None,
        sync_options=applications.CREATE_NAMESPACE,
    )


async def deployed(world: World, **app: bool) -> Any:
    """The shop app synced once by hand, Synced and Healthy; its repository's path."""
    repo = world.tmp / "shop"
    new_repository(repo, {"app/objects.yaml": manifests(removed=False)})
    world.repositories[SHOP_URL] = repo
    controller = await world.start()
    await controller.bootstrap(application(**app))
    await world.until_app(APP, sync_status="OutOfSync")
    await controller.sync(APP, initiated_by="alice")
    await world.until_app(APP, sync_status="Synced", health_status="Healthy")
    return repo


async def edit_as_another_manager(world: World) -> None:
    """What people and other controllers do beside gitward: a kubectl apply and a merge patch,
    each under a field manager of its own."""
    kubectl = RemoteCluster.connect(world.access, field_manager="kubectl")
    try:
        owned = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": APP, "labels": {"owner": "ops"}},
            "data": {"note": "set by hand"},
        }
        await kubectl.apply(owned)
    finally:
        await kubectl.close()
    editor = RemoteCluster.connect(world.access, field_manager="kubectl-edit")
    try:
        await editor.patch(WEB, {"metadata": {"annotations": {"team": "checkout"}}})
    finally:
        await editor.close()


async def diffs(world: World) -> dict[str, dict[str, Any]]:
    """The managed-resources answer (what ``gitward app diff`` prints), by kind."""
    assert world.controller is not None
    inspection = await inspecting.inspect(world.controller, await world.app(APP))
    return {item["kind"]: item for item in inspecting.managed_resources(inspection)}


async def refreshed(world: World) -> None:
    """Wait for one refresh that starts after now."""
    assert world.controller is not None
    before = (await world.app(APP)).status.reconciled_at
    world.controller.refresh(APP)

    async def looked_again() -> bool:
        seen = (await world.app(APP)).status.reconciled_at
        return seen is not None and (before is None or seen > before)

    await world.until(looked_again, what="the shop app refreshed")


async def live(world: World, key: ResourceKey) -> Any:
    return await world.cluster.get(key)


def removed_lines(diff_text: str) -> str:
    """The lines a unified diff removes (headers left out), one text."""
    return "\n".join(
        line[1:]
        for line in diff_text.splitlines()
        if line.startswith("-") and not line.startswith("---")
    )


async def test_each_kind_of_removal_is_drift_and_a_sync_removes_it(world: World) -> None:
    repo = await deployed(world)
    write_files(repo, {"app/objects.yaml": manifests(removed=True)})
    commit_all(repo, "drop a field, a label, a key, an env var and a port")
    assert world.controller is not None
    world.controller.refresh(APP, hard=True)

    record = await world.until_app(APP, sync_status="OutOfSync")
    statuses = {item["kind"]: item["status"] for item in record.status.resources["items"]}
    assert statuses == {"ConfigMap": "OutOfSync", "Deployment": "OutOfSync", "Service": "OutOfSync"}
    shown = await diffs(world)
    config, web, service = (
        removed_lines(shown[k]["diff"]) for k in ("ConfigMap", "Deployment", "Service")
    )
    assert "retries: '3'" in config and "tier: backend" in config
    assert "minReadySeconds: 5" in web and "value: '1'" in web and "name: DEBUG" in web
    assert "name: metrics" in service and "port: 9090" in service

    await world.controller.sync(APP, initiated_by="alice")
    await world.until_app(APP, sync_status="Synced", health_status="Healthy")
    config_live, web_live, service_live = [await live(world, k) for k in (CONFIG, WEB, SERVICE)]
    assert config_live["data"] == {"mode": "fast"}
    assert "tier" not in config_live["metadata"]["labels"]
    assert "minReadySeconds" not in web_live["spec"]
    [container] = web_live["spec"]["template"]["spec"]["containers"]
    assert [env["name"] for env in container["env"]] == ["MODE"]
    assert [port["port"] for port in service_live["spec"]["ports"]] == [80]
    assert all(item["status"] == "Synced" for item in (await diffs(world)).values())


async def test_what_another_field_manager_set_is_not_drift_and_survives_a_sync(
    world: World,
) -> None:
    repo = await deployed(world)
    await edit_as_another_manager(world)
    await refreshed(world)
    assert (await world.app(APP)).status.sync_status == "Synced"
    assert all(item["status"] == "Synced" for item in (await diffs(world)).values())

    write_files(repo, {"app/objects.yaml": manifests(removed=True)})
    commit_all(repo, "drop a label and a key gitward applied")
    assert world.controller is not None
    world.controller.refresh(APP, hard=True)
    await world.until_app(APP, sync_status="OutOfSync")
    shown = await diffs(world)
    assert "note: set by hand" not in removed_lines(shown["ConfigMap"]["diff"])
    assert "team: checkout" not in removed_lines(shown["Deployment"]["diff"])
    await world.controller.sync(APP, initiated_by="alice")
    await world.until_app(APP, sync_status="Synced", health_status="Healthy")

    config_live, web_live = await live(world, CONFIG), await live(world, WEB)
    assert config_live["data"] == {"mode": "fast", "note": "set by hand"}
    assert config_live["metadata"]["labels"]["owner"] == "ops"
    assert "tier" not in config_live["metadata"]["labels"]
    assert web_live["metadata"]["annotations"]["team"] == "checkout"


async def test_server_side_diff_sees_removals_and_asks_again_only_when_something_changed(
    world: World,
) -> None:
    repo = await deployed(world, server_side_diff=True)
    assert world.controller is not None
    dry_runs = world.controller.refresher.dry_runs
    await refreshed(world)
    asked = dry_runs.requests
    assert asked >= 3
    await refreshed(world)
    assert dry_runs.requests == asked  # nothing changed: the answers are reused
    assert (await world.app(APP)).status.sync_status == "Synced"

    write_files(repo, {"app/objects.yaml": manifests(removed=True)})
    commit_all(repo, "drop a field, a label, a key, an env var and a port")
    world.controller.refresh(APP, hard=True)
    await world.until_app(APP, sync_status="OutOfSync")
    assert dry_runs.requests > asked
    shown = await diffs(world)
    assert "retries: '3'" in removed_lines(shown["ConfigMap"]["diff"])
    assert "port: 9090" in removed_lines(shown["Service"]["diff"])
    await world.controller.sync(APP, initiated_by="alice")
    await world.until_app(APP, sync_status="Synced", health_status="Healthy")
    assert (await live(world, CONFIG))["data"] == {"mode": "fast"}


async def test_a_dry_run_the_server_refuses_is_a_comparison_error_naming_the_resource(
    world: World,
) -> None:
    repo = await deployed(world, server_side_diff=True)
    broken = manifests(removed=False).replace(
        "labels:\n        app: web", "labels:\n        app: other"
    )
    assert broken != manifests(removed=False)
    write_files(repo, {"app/objects.yaml": broken})
    commit_all(repo, "a template the selector no longer matches")
    assert world.controller is not None
    world.controller.refresh(APP, hard=True)

    record = await world.until_app(APP, sync_status="Unknown")

    [condition] = [c for c in record.status.conditions if c["type"] == "ComparisonError"]
    assert "Deployment shop/web" in condition["message"]
    assert "dry-run apply was refused" in condition["message"]
    web = await live(world, WEB)
    assert web["spec"]["template"]["metadata"]["labels"] == {"app": "web"}
