"""``/api/v1/applicationsets``: the ApplicationSets parent apps declare, with their status.

A set lives in a parent app's manifests (Git is where it changes); the list and the get show
what the parent's last refresh made of it. ``POST ?dryRun=true`` previews what a set would
generate, as ``argocd appset create --dry-run`` does, and writes nothing; a stored set (create
without dry run, delete) is not there yet. RBAC is Argo CD's: resource ``applicationsets``,
object ``<project>/<name>`` with the project of the set's template, and a create needs
``applications, create`` on every app the set generates, as Argo CD checks.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request

from gitward.errors import GitwardError
from gitward.model.appsets import parse_appset
from gitward.server import appsetviews
from gitward.server.deps import (
    Authenticated,
    Grant,
    Missing,
    Svc,
    Target,
    authorize,
    json_body,
)
from gitward.server.failures import ApiError, api_error_of, denied
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


@router.post("/api/v1/applicationsets")
async def create_appset(
    request: Request,
    grant: Authenticated,
    services: Svc,
    dryRun: bool = False,  # noqa: N803
) -> Any:
    """A dry run: the set as Argo CD's API answers it, ``status.resources`` naming the
    Applications it would generate and ``status.applications`` holding them."""
    body = await json_body(request)
    try:
        appset = parse_appset(body).value
    except GitwardError as error:
        raise api_error_of(error) from error
    project = appsetviews.project_of_set({"name": appset.name, "document": body})
    if not grant.permits("applicationsets", "create", f"{project}/{appset.name}"):
        raise denied()
    if not dryRun:
        raise ApiError(
            501,
            "unimplemented",
            f"ApplicationSet {appset.name}: gitward does not store ApplicationSets yet; "
            "commit the set to a parent app's manifests in Git (its sync creates the "
            "Applications), or send dryRun=true to preview them",
        )
    try:
        expansion = await services.controller.git.expand_set(appset)
    except GitwardError as error:
        raise api_error_of(error) from error
    for app in expansion.apps:
        app_project = str(app["spec"].get("project") or "default")
        if not grant.permits("applications", "create", f"{app_project}/{app['metadata']['name']}"):
            raise denied()
    return appsetviews.preview_json(body, expansion.apps)
