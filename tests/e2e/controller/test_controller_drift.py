"""Drift and failure: selfHeal reverts drift in dev, prod only reports it, a deleted Deployment
comes back, and a bad image tag stops at dev."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import yaml
from controller_world import BACKEND, FAST, World

from gitward.model.objects import ResourceKey
from gitward.store import OperationRecord
from support.example import DEV, PROD, ROOT, STAGING


async def deployed(world: World, **settings: float) -> None:
    await world.start(replace(FAST, **settings))
    await world.bootstrap()
    await world.until_app(ROOT, sync_status="Synced", health_status="Healthy", within=60)
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy")
    await world.until_app(STAGING, sync_status="Synced", health_status="Healthy")


def backend(namespace: str) -> ResourceKey:
    return ResourceKey("apps", "Deployment", namespace, f"ai-chatbot-{namespace}-backend")


HOTFIX = f"{BACKEND}:hotfix-by-hand"
IMAGE = "/spec/template/spec/containers/0/image"


async def set_image_by_hand(world: World, namespace: str) -> None:
    change = [{"op": "replace", "path": IMAGE, "value": HOTFIX}]
    await world.cluster.patch(backend(namespace), change, patch_type="json")


async def test_self_heal_reverts_drift_in_dev_while_prod_only_reports_it(world: World) -> None:
    await deployed(world)
    assert world.controller is not None
    await world.controller.sync(PROD, initiated_by="release-manager")
    await world.until_app(PROD, sync_status="Synced", health_status="Healthy")
    manual = await world.store.operations.latest(PROD)

    await set_image_by_hand(world, "dev")
    await set_image_by_hand(world, "prod")

    async def dev_reverted() -> bool:
        return await world.backend_image("dev") == f"{BACKEND}:latest"

    await world.until(dev_reverted, what="dev's backend image set back from Git")
    healing = await world.store.operations.latest(DEV)
    assert healing is not None and healing.requested_by == "automated"
    assert "selfHeal" in str(healing.request["reason"])
    prod = await world.until_app(PROD, sync_status="OutOfSync")
    world.controller.refresh(PROD)
    seen = prod.status.reconciled_at
    assert seen is not None

    async def prod_looked_again() -> bool:
        record = await world.app(PROD)
        return record.status.reconciled_at is not None and record.status.reconciled_at > seen

    await world.until(prod_looked_again, what="prod refreshed once more")
    assert await world.backend_image("prod") == HOTFIX
    assert await world.store.operations.latest(PROD) == manual
    assert (await world.app(PROD)).status.sync_status == "OutOfSync"


async def test_a_deployment_deleted_in_dev_comes_back(world: World) -> None:
    await deployed(world)
    before = await world.cluster.get(backend("dev"))
    await world.cluster.delete(backend("dev"))

    async def recreated() -> bool:
        found = await world.live("Deployment", "dev", "ai-chatbot-dev-backend")
        return found is not None and found["metadata"]["uid"] != before["metadata"]["uid"]

    await world.until(recreated, what="dev's backend Deployment created again")
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy")


async def test_a_missing_image_stops_at_dev_and_leaves_staging_untouched(world: World) -> None:
    await deployed(world, wave_timeout_s=1.0)
    world.sandbox.faults.mark_image_missing(f"{BACKEND}:broken")
    world.set_backend_tag("dev", "broken")
    world.set_backend_tag("staging", "broken")
    bad = world.commit("promote a backend image that was never pushed")

    async def dev_degraded_in_the_tree() -> bool:
        items = (await world.app(ROOT)).status.resources.get("items") or []
        return any(
            item["name"] == DEV and item.get("health", {}).get("status") == "Degraded"
            for item in items
        )

    await world.until(dev_degraded_in_the_tree, what="the root app shows dev Degraded")

    async def dev_operation_failed() -> bool:
        latest = await world.store.operations.latest(DEV)
        return latest is not None and latest.phase.completed

    await world.until(dev_operation_failed, what="dev's sync of the bad commit ends")
    failed = await world.store.operations.latest(DEV)
    assert failed is not None and failed.request["revisions"] == [bad]
    assert failed.phase.value == "Failed" and "db-migrate" in failed.message
    assert all(h.commit_sha != bad for h in await world.store.history.list(DEV))
    audit = await world.store.audit.list(target=f"Application {DEV}", action="sync")
    assert any(a.details["revisions"] == [bad] for a in audit)
    staging = await world.until_app(STAGING, observed_revisions=(bad,), sync_status="OutOfSync")
    assert await world.backend_image("staging") == f"{BACKEND}:latest"
    assert all(h.commit_sha != bad for h in await world.store.history.list(STAGING))
    latest = await world.store.operations.latest(STAGING)
    assert latest is None or latest.request["revisions"] != [bad]
    assert staging.parent == ROOT


async def test_a_child_ending_degraded_fails_the_parents_sync_naming_it(world: World) -> None:
    await deployed(world)
    world.sandbox.faults.mark_image_crashing(f"{BACKEND}:crashing")

    def pin_backend(document: dict[str, Any]) -> dict[str, Any]:
        if document["metadata"]["name"] in (DEV, STAGING):
            parameter = {"name": "backend.image.tag", "value": "crashing"}
            document["spec"]["source"]["helm"]["parameters"] = [parameter]
        return document

    world.edit_env_apps(pin_backend)
    pinned = world.commit("pin a backend build that crashes in dev and staging")

    failed: list[OperationRecord] = []  # as seen: selfHeal may start the next one at once

    async def root_sync_failed() -> bool:
        latest = await world.store.operations.latest(ROOT)
        if latest is None or latest.phase.value != "Failed":
            return False
        failed[:] = [latest]
        return latest.request["revisions"] == [pinned]

    await world.until(root_sync_failed, within=60, what="the root app's sync failed")
    [latest] = failed
    assert f"argoproj.io/Application argocd/{DEV}" in latest.message
    assert "Degraded" in latest.message, latest.message
    staging = await world.app(STAGING)
    assert "parameters" not in staging.document["spec"]["source"]["helm"]  # wave 2 not applied
    assert await world.backend_image("staging") == f"{BACKEND}:latest"


async def test_nginx_applied_by_hand_in_dev_is_reported_as_orphaned_when_the_project_asks(
    world: World,
) -> None:
    await deployed(world)
    projects = world.repo / "gitops/app-of-apps/argocd-projects.yaml"
    documents = [d for d in yaml.safe_load_all(projects.read_text()) if d]
    for document in documents:
        if document["metadata"]["name"] == "dev":
            document["spec"]["orphanedResources"] = {"warn": True}
    projects.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    world.commit("dev project: warn about orphaned resources")
    for document in yaml.safe_load_all((world.repo / "gitops/dev/nginx.yaml").read_text()):
        await world.cluster.apply(document, force=True)

    async def reported() -> bool:
        conditions = (await world.app(DEV)).status.conditions
        return any(c["type"] == "OrphanedResourceWarning" for c in conditions)

    await world.until(reported, what="dev reports the hand-applied nginx")
    [warning] = (await world.app(DEV)).status.conditions
    assert warning["message"].startswith("Application has 2 orphaned resources")
    assert "apps/Deployment dev/nginx" in warning["message"]
    assert "Service dev/nginx" in warning["message"]
    staging = await world.app(STAGING)
    assert staging.status.conditions == ()
