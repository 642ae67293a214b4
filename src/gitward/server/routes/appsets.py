"""``/api/v1/applicationsets``: the ApplicationSets parent apps declare, with their status.

Read-only for now: a set lives in a parent app's manifests (Git is where it changes); the list
and the get show what the parent's last refresh made of it. RBAC is Argo CD's: resource
``applicationsets``, object ``<project>/<name>`` with the project of the set's template.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request

from gitward.server import appsetviews
from gitward.server.deps import Authenticated, Grant, Missing, Svc, Target, authorize
from gitward.server.failures import denied
from gitward.server.services import Services

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
