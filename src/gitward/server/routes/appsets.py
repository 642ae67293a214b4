"""``/api/v1/applicationsets``: the ApplicationSets parent apps declare, with their status.

A set lives in a parent app's manifests (Git is where it changes) or is created here, stored,
and reconciled by the controller (:mod:`gitward.server.appsetwrites`); the list and the get
show what the last expansion made of each. ``POST ?dryRun=true`` previews what a set would
generate, as ``argocd appset create --dry-run`` does, and writes nothing. RBAC is Argo CD's:
resource ``applicationsets``, object ``<project>/<name>`` with the project of the set's
template, and a create needs ``applications, create`` on every app the set generates.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request

from gitward.server import appsetviews, appsetwrites
from gitward.server.deps import (
    Authenticated,
    Grant,
    Missing,
    Svc,
    Target,
    authorize,
    json_body,
)
from gitward.server.failures import denied
from gitward.server.services import Services
from gitward.store import AuditAction

__all__ = ["router"]

router = APIRouter(tags=["applicationsets"])


def _allowed(grant: Authenticated, kept: appsetviews.KeptSet) -> bool:
    obj = f"{appsetviews.project_of_set(kept)}/{kept['name']}"
    return grant.permits("applicationsets", "get", obj)


@router.get("/api/v1/applicationsets")
async def list_appsets(grant: Authenticated, services: Svc) -> Any:
    store = services.store
    kept = [item for item in await appsetviews.kept_sets(store) if _allowed(grant, item)]
    return {"items": [await appsetviews.appset_json(store, item) for item in kept]}


async def _set_in_path(request: Request, services: Services) -> Target:
    """The set ``{name}`` names, as ``<project>/<name>``; missing: it could be in any project."""
    name = unquote(str(request.path_params.get("name", "")))
    for kept in await appsetviews.kept_sets(services.store):
        if kept["name"] == name:
            return Target((f"{appsetviews.project_of_set(kept)}/{name}",))
    projects = {"default", *(project.name for project in await services.store.projects.list())}
    candidates = tuple(f"{project}/{name}" for project in sorted(projects))
    return Target(missing=Missing(f"applicationset {name}", "applicationsets", candidates))


SetGet = Annotated[Grant, Depends(authorize("applicationsets", "get", _set_in_path))]


@router.get("/api/v1/applicationsets/{name}")
async def get_appset(name: str, grant: SetGet, services: Svc) -> Any:
    for kept in await appsetviews.kept_sets(services.store):
        if kept["name"] == name:
            return await appsetviews.appset_json(services.store, kept)
    raise denied()  # gone since it was authorized


@router.post("/api/v1/applicationsets")
async def create_appset(
    request: Request,
    grant: Authenticated,
    services: Svc,
    upsert: bool = False,
    dryRun: bool = False,  # noqa: N803
) -> Any:
    """Create (``upsert``: replace) a set, or with ``dryRun`` answer the Applications it would
    generate (``status.resources`` as Argo CD, ``status.applications`` whole), writing nothing."""
    body = await json_body(request)
    return await appsetwrites.create(services, grant, body, dry_run=dryRun, upsert=upsert)


SetDelete = Annotated[Grant, Depends(authorize("applicationsets", "delete", _set_in_path))]


@router.delete("/api/v1/applicationsets/{name}")
async def delete_appset(name: str, grant: SetDelete, services: Svc) -> Any:
    """Delete a set created through the API and the Applications it generated."""
    deleted = await appsetwrites.delete(services, name)
    await services.store.audit.append(
        grant.actor, AuditAction.DELETE, f"ApplicationSet {name}", {"applications": deleted}
    )
    return {}
