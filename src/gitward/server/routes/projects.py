"""``/api/v1/projects``: AppProjects as written (list, create, get, update, delete).

A project is checked by the model's parser before it is stored; one that applications still
belong to cannot be deleted (409). Any change makes the RBAC policy look at project roles again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from gitward.model.project import parse_project
from gitward.server import views
from gitward.server.deps import Authenticated, Grant, Svc, Target, authorize, json_body, named
from gitward.server.failures import CONFLICT, ApiError, denied, invalid
from gitward.server.services import Services
from gitward.store import AuditAction, ProjectDefinition

__all__ = ["router"]

router = APIRouter(tags=["projects"])


async def _project_exists(services: Services, name: str) -> bool:
    return await services.store.projects.get(name) is not None


_project_in_path = named("projects", "AppProject", _project_exists)


async def _project_in_body(request: Request, services: Services) -> Target:
    body = await json_body(request)
    document = _document(body)
    metadata = document.get("metadata") if document else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise invalid("the AppProject needs metadata.name")
    return Target((name,))


ProjectGet = Annotated[Grant, Depends(authorize("projects", "get", _project_in_path))]
ProjectCreate = Annotated[Grant, Depends(authorize("projects", "create", _project_in_body))]
ProjectUpdate = Annotated[Grant, Depends(authorize("projects", "update", _project_in_path))]
ProjectDelete = Annotated[Grant, Depends(authorize("projects", "delete", _project_in_path))]
Document = Annotated[dict[str, Any], Body()]


@router.get("/api/v1/projects")
async def list_projects(grant: Authenticated, services: Svc) -> Any:
    items = [
        views.project_json(record)
        for record in await services.store.projects.list()
        if grant.permits("projects", "get", record.name)
    ]
    return {"items": items}


@router.post("/api/v1/projects")
async def create_project(
    body: Document, grant: ProjectCreate, services: Svc, upsert: bool = False
) -> Any:
    """An AppProject document, or Argo CD's ``{"project": {...}, "upsert": bool}``."""
    document = _document(body) or {}
    upsert = upsert or body.get("upsert") is True
    project = parse_project(document).value
    if not upsert and await services.store.projects.get(project.name) is not None:
        raise ApiError(409, CONFLICT, f"AppProject {project.name} exists already; use upsert")
    return await _store(services, grant, project.name, document, AuditAction.CREATE)


@router.get("/api/v1/projects/{name}")
async def get_project(name: str, grant: ProjectGet, services: Svc) -> Any:
    record = await services.store.projects.get(name)
    if record is None:
        raise denied()
    return views.project_json(record)


@router.put("/api/v1/projects/{name}")
async def update_project(name: str, body: Document, grant: ProjectUpdate, services: Svc) -> Any:
    document = _document(body) or {}
    project = parse_project(document).value
    if project.name != name:
        raise invalid(f"the body's metadata.name must be {name!r}, as in the path")
    return await _store(services, grant, name, document, AuditAction.UPDATE)


@router.delete("/api/v1/projects/{name}")
async def delete_project(name: str, grant: ProjectDelete, services: Svc) -> Any:
    await services.store.projects.delete(name)
    await services.store.audit.append(grant.actor, AuditAction.DELETE, f"AppProject {name}")
    services.policies.invalidate()
    return {}


async def _store(
    services: Services, grant: Grant, name: str, document: dict[str, Any], action: AuditAction
) -> Any:
    kept: dict[str, Any] = {
        key: document[key] for key in ("apiVersion", "kind", "metadata", "spec") if key in document
    }
    record = await services.store.projects.upsert(ProjectDefinition(name, kept))
    await services.store.audit.append(grant.actor, action, f"AppProject {name}")
    services.policies.invalidate()
    return views.project_json(record)


def _document(body: dict[str, Any]) -> dict[str, Any] | None:
    wrapped = body.get("project")
    if isinstance(wrapped, dict):
        return wrapped
    return body if "metadata" in body else None
