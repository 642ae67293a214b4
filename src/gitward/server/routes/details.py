"""An app's details: ``/resource-tree``, ``/managed-resources`` (per-resource diff),
``/manifests`` (desired), ``/revisions/history`` and ``/events``.

Read-only; each needs ``get`` on the app. What is computed (rendered objects, live copies,
diffs) comes from ``gitward.server.inspecting``, with Secret values masked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from gitward.server import inspecting, views
from gitward.server.deps import Grant, Svc, app_in_path, authorize

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppGet = Annotated[Grant, Depends(authorize("applications", "get", app_in_path))]


@router.get("/api/v1/applications/{name}/resource-tree")
async def resource_tree(grant: AppGet, services: Svc) -> Any:
    """The app's resources and what they own, with health."""
    inspection = await inspecting.inspect(services.controller, grant.app)
    resources = views.app_json(grant.app)["status"]["resources"]
    return {"nodes": inspecting.resource_tree(inspection, resources)}


@router.get("/api/v1/applications/{name}/managed-resources")
async def managed_resources(grant: AppGet, services: Svc) -> Any:
    """Per resource: sync status, unified diff, live and target state (masked)."""
    inspection = await inspecting.inspect(services.controller, grant.app)
    return {"items": inspecting.managed_resources(inspection)}


@router.get("/api/v1/applications/{name}/manifests")
async def manifests(grant: AppGet, services: Svc) -> Any:
    """The desired objects, as rendered at the revision the app was compared at."""
    inspection = await inspecting.inspect(services.controller, grant.app, live=False)
    return {"manifests": inspecting.manifests(inspection)}


@router.get("/api/v1/applications/{name}/revisions/history")
async def history(grant: AppGet, services: Svc) -> Any:
    """The app's deployments, oldest first (ids are what a rollback names)."""
    entries = await services.store.history.list(grant.app.name)
    return {"items": [views.history_json(entry) for entry in reversed(entries)]}


@router.get("/api/v1/applications/{name}/events")
async def events(grant: AppGet, services: Svc) -> Any:
    """The cluster's Events about the app's objects."""
    inspection = await inspecting.inspect(services.controller, grant.app, live=False)
    return {"items": await inspecting.events(services.controller, inspection)}
