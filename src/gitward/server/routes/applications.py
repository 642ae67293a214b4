"""``/api/v1/applications``: list, create, get (and refresh), update, delete.

Argo CD's paths and shapes. Writes check the Application and its project's restrictions
(``gitward.server.permitting``) before anything is stored, write the audit log, and ask the
controller to look at the app; the controller does the rest. Authorization is the endpoint's
one dependency; a list keeps the apps the caller may get.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query

from gitward.model.application import parse_application
from gitward.model.selectors import parse_selector
from gitward.server import views
from gitward.server.deps import (
    Authenticated,
    Grant,
    Svc,
    app_in_body,
    app_in_path,
    app_update,
    authorize,
)
from gitward.server.failures import CONFLICT, ApiError, invalid
from gitward.server.permitting import check_app, project_of
from gitward.server.promoting import promotions_into
from gitward.server.responses import FastJSONResponse
from gitward.server.services import Services
from gitward.store import AppDefinition, AuditAction

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppGet = Annotated[Grant, Depends(authorize("applications", "get", app_in_path))]
AppCreate = Annotated[Grant, Depends(authorize("applications", "create", app_in_body))]
AppUpdate = Annotated[Grant, Depends(authorize("applications", "update", *app_update))]
AppDelete = Annotated[Grant, Depends(authorize("applications", "delete", app_in_path))]

Document = Annotated[dict[str, Any], Body(description="An argoproj.io/v1alpha1 Application")]
REFRESH_WAIT_S = 20.0
"""How long a ``?refresh=`` request waits for the refresh (the CLI's requests time out at 30 s);
past it the answer shows the state as it is, and the refresh goes on."""
_KEPT_METADATA = ("name", "namespace", "labels", "annotations", "finalizers")


@router.get("/api/v1/applications")
async def list_applications(
    grant: Authenticated,
    services: Svc,
    project: Annotated[list[str] | None, Query()] = None,
    selector: str = "",
    name: str = "",
) -> Any:
    """Apps the caller may see; ``project`` (repeatable), a label ``selector``, a ``name`` glob."""
    predicate = parse_selector(selector) if selector.strip() else None
    summaries = await services.store.apps.list(
        project=project or None, selector=predicate, name_glob=name or None
    )
    items = [
        views.app_summary_json(app)
        for app in summaries
        if grant.permits_app("get", app.project, app.name)
    ]
    return FastJSONResponse({"items": items})


@router.post("/api/v1/applications")
async def create_application(
    document: Document, grant: AppCreate, services: Svc, upsert: bool = False
) -> Any:
    """Create an app (409 when it exists, unless ``upsert``)."""
    return await _write(services, grant, document, creating=not upsert)


@router.get("/api/v1/applications/{name}")
async def get_application(
    grant: AppGet, services: Svc, refresh: Literal["normal", "hard"] | None = None
) -> Any:
    """The app with its status, operation and history; ``refresh`` resolves its revisions
    again and reconciles it first, answering once that is done (at most ``REFRESH_WAIT_S``
    seconds, as Argo CD's answer waits for its refresh)."""
    if refresh is not None:
        await services.controller.refreshed(
            grant.app.name, hard=refresh == "hard", within=REFRESH_WAIT_S
        )
    return await full_app(services, grant.app.name)


@router.put("/api/v1/applications/{name}")
async def update_application(name: str, document: Document, grant: AppUpdate, services: Svc) -> Any:
    """Replace the app's definition (its status stays)."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and metadata.get("name") != name:
        raise invalid(f"the body's metadata.name must be {name!r}, as in the path")
    return await _write(services, grant, document, creating=False)


@router.delete("/api/v1/applications/{name}")
async def delete_application(grant: AppDelete, services: Svc, cascade: bool | None = None) -> Any:
    """Delete the app; ``cascade`` (default: its resources finalizer) deletes its resources."""
    await services.controller.delete(grant.app.name, cascade=cascade, initiated_by=grant.actor)
    return {}


async def full_app(services: Services, name: str) -> dict[str, Any]:
    """The whole Application JSON of a stored app (403 when it is gone meanwhile)."""
    record = await services.store.apps.get(name)
    if record is None:
        raise ApiError(403, "permission_denied", "permission denied")
    operation = await services.store.operations.latest(name)
    history = await services.store.history.list(name)
    promotions = await promotions_into(services.store, name)
    return views.app_json(record, operation, history, promotions)


async def _write(
    services: Services, grant: Grant, document: dict[str, Any], *, creating: bool
) -> dict[str, Any]:
    kept = _as_written(document)
    app = parse_application(kept).value
    check_app(app, await project_of(services.store, app), services.controller.git.repos)
    existing = grant.target.app or await services.store.apps.get(app.name)
    if creating and existing is not None:
        raise ApiError(409, CONFLICT, f"Application {app.name} exists already; use upsert")
    version = _expected_version(document)
    definition = AppDefinition.of(app, kept, parent=existing.parent if existing else None)
    record = await services.store.apps.upsert(definition, expected_version=version)
    action = AuditAction.UPDATE if existing is not None else AuditAction.CREATE
    await services.store.audit.append(grant.actor, action, f"Application {app.name}")
    services.controller.refresh(app.name)
    return views.app_json(record)


def _as_written(document: dict[str, Any]) -> dict[str, Any]:
    """The document without status, operation or server-set metadata."""
    metadata = document.get("metadata")
    kept_metadata = (
        {key: metadata[key] for key in _KEPT_METADATA if key in metadata}
        if isinstance(metadata, dict)
        else metadata
    )
    return {
        "apiVersion": document.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": document.get("kind", "Application"),
        "metadata": kept_metadata,
        "spec": document.get("spec"),
    }


def _expected_version(document: dict[str, Any]) -> int | None:
    metadata = document.get("metadata")
    version = metadata.get("resourceVersion") if isinstance(metadata, dict) else None
    if version in (None, ""):
        return None
    try:
        return int(str(version))
    except ValueError:
        raise invalid("metadata.resourceVersion must be the number the server gave") from None
