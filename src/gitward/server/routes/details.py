"""An app's details: ``/resource-tree``, ``/managed-resources`` (per-resource diff),
``/manifests`` (desired), ``/revisions/history``, ``/events`` and ``/syncwindows``.

Read-only; each needs ``get`` on the app. What is computed (rendered objects, live copies,
diffs) comes from ``gitward.server.inspecting``, with Secret values masked; the state of the
app's sync windows from ``gitward.model.windows``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gitward.controller.windows import target_of
from gitward.model.application import parse_application
from gitward.model.windows import Opening, closes_at, verdict
from gitward.server import inspecting, views
from gitward.server.deps import Grant, Svc, app_in_path, authorize
from gitward.server.permitting import project_of
from gitward.server.promoting import promotion_events

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppGet = Annotated[Grant, Depends(authorize("applications", "get", app_in_path))]
Revision = Annotated[str, Query(max_length=255, description="A branch, tag or commit to render.")]


@router.get("/api/v1/applications/{name}/resource-tree")
async def resource_tree(grant: AppGet, services: Svc) -> Any:
    """The app's resources and what they own, with health."""
    inspection = await inspecting.inspect(services.controller, grant.app)
    resources = views.app_json(grant.app)["status"]["resources"]
    return {"nodes": inspecting.resource_tree(inspection, resources)}


@router.get("/api/v1/applications/{name}/managed-resources")
async def managed_resources(grant: AppGet, services: Svc, revision: Revision = "") -> Any:
    """Per resource: sync status, unified diff, live and target state (masked); with
    ``revision``, the target is what that branch, tag or commit would deploy (gitward's)."""
    inspection = await inspecting.inspect(services.controller, grant.app, revision=revision)
    return {"items": inspecting.managed_resources(inspection)}


@router.get("/api/v1/applications/{name}/manifests")
async def manifests(grant: AppGet, services: Svc, revision: Revision = "") -> Any:
    """The desired objects, as rendered at the revision the app was compared at, or at
    ``revision`` (as Argo CD's ``?revision=``)."""
    inspection = await inspecting.inspect(
        services.controller, grant.app, live=False, revision=revision
    )
    return {"manifests": inspecting.manifests(inspection)}


@router.get("/api/v1/applications/{name}/revisions/history")
async def history(grant: AppGet, services: Svc) -> Any:
    """The app's deployments, oldest first (ids are what a rollback names)."""
    entries = await services.store.history.list(grant.app.name)
    return {"items": [views.history_json(entry) for entry in reversed(entries)]}


@router.get("/api/v1/applications/{name}/events")
async def events(grant: AppGet, services: Svc) -> Any:
    """The cluster's Events about the app's objects, and the app's promotions (gitward's)."""
    inspection = await inspecting.inspect(services.controller, grant.app, live=False)
    found = await inspecting.events(services.controller, inspection)
    found += await promotion_events(services.store, grant.app.name)
    return {"items": sorted(found, key=lambda e: str(e.get("lastTimestamp") or ""))}


@router.get("/api/v1/applications/{name}/syncwindows")
async def sync_windows(grant: AppGet, services: Svc) -> Any:
    """The windows of the app's project that apply to it, which are open, and whether a person
    may sync now (``canSync``, as Argo CD's) and the controller by itself (``canAutoSync``)."""
    record = grant.app
    app = parse_application(dict(record.document), file=record.file).value
    project = await project_of(services.store, app)
    now = services.controller.clock()
    target = target_of(app)
    manual = verdict(project.sync_windows, target, now, manual=True)
    automated = verdict(project.sync_windows, target, now)
    return {
        "assignedWindows": [_window_json(o) for o in manual.assigned],
        "activeWindows": [_window_json(o) for o in manual.active],
        "canSync": manual.allowed,
        "canAutoSync": automated.allowed,
        "message": automated.reason or manual.reason,
        "nextSyncAt": _time(automated.until),
    }


def _window_json(found: Opening) -> dict[str, Any]:
    window = found.window
    shown: dict[str, Any] = {
        "kind": window.kind,
        "schedule": window.schedule,
        "duration": window.duration,
        "manualSync": window.manual_sync,
        "timeZone": window.time_zone or "UTC",
        "active": found.open,
    }
    if found.open:
        shown["closesAt"] = _time(closes_at(found))
    else:
        shown["opensAt"] = _time(found.start)
    if window.description:
        shown["description"] = window.description
    return shown


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
