"""Creating and deleting ApplicationSets through the API, as Argo CD's ApplicationSet service.

A create parses the set, checks ``applicationsets, create`` (``update`` when it replaces one)
on ``<template project>/<name>``, expands it as the controller would and checks ``applications,
create`` on every app it generates, so a set that does not expand is refused before anything
is written, naming the set and the field. A dry run stops there and answers the generated
apps. Otherwise the set is stored (a different set of that name needs ``upsert``; a set a parent
app declares in Git cannot be replaced here) and, when this replica owns it, reconciled at once:
its Applications are in the store when the answer comes (another replica's owner is asked to,
and does so in the background). A delete removes a stored set and the
Applications it generated; a set a parent declares is removed from Git instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitward.controller.storedsets import set_key
from gitward.errors import GitwardError
from gitward.model.appsets import ApplicationSet, parse_appset
from gitward.server import appsetviews
from gitward.server.deps import Grant
from gitward.server.failures import ApiError, api_error_of, denied, invalid
from gitward.server.services import Services
from gitward.store import AuditAction

__all__ = ["create", "delete"]


async def create(
    services: Services, grant: Grant, body: Mapping[str, Any], *, dry_run: bool, upsert: bool
) -> dict[str, Any]:
    """Argo CD's ``POST /api/v1/applicationsets``: the set as it stands after the create."""
    appset = _parsed(body)
    project = appsetviews.project_of_set({"name": appset.name, "document": body})
    stored = await services.store.appsets.get(appset.name)
    action = "update" if stored is not None else "create"
    if not grant.permits("applicationsets", action, f"{project}/{appset.name}"):
        raise denied()
    apps = await _generated(services, grant, appset)
    if dry_run:
        return appsetviews.preview_json(body, apps)
    await _refuse_declared(services, appset.name)
    changed = stored is not None and dict(stored.document.get("spec") or {}) != dict(body["spec"])
    if changed and not upsert:
        raise invalid(
            f"ApplicationSet {appset.name}: existing ApplicationSet spec is different, use "
            "upsert flag to force update"
        )
    record = await services.store.appsets.upsert(appset.name, project, body)
    done = AuditAction.CREATE if stored is None else AuditAction.UPDATE
    await services.store.audit.append(grant.actor, done, f"ApplicationSet {appset.name}", {})
    key = set_key(record.name)
    if services.controller.owns(key):
        await services.controller.stored_sets.reconcile(record)
    else:
        services.controller.refresh(key, hard=True)  # its owner expands it
    return await _shown(services, appset.name)


async def delete(services: Services, name: str) -> list[str]:
    """Remove the stored set ``name`` and the apps it generated; their names."""
    if await services.store.appsets.get(name) is None:
        await _refuse_declared(services, name)
        raise ApiError(404, "not_found", f"applicationset {name} not found")
    return await services.controller.stored_sets.delete(name)


def _parsed(body: Mapping[str, Any]) -> ApplicationSet:
    try:
        return parse_appset(dict(body)).value
    except GitwardError as error:
        raise api_error_of(error) from error


async def _generated(services: Services, grant: Grant, appset: ApplicationSet) -> list[Any]:
    """The apps ``appset`` generates now; refused unless the caller may create each."""
    try:
        expansion = await services.controller.git.expand_set(appset)
    except GitwardError as error:
        raise api_error_of(error) from error
    for app in expansion.apps:
        project = str(app["spec"].get("project") or "default")
        if not grant.permits("applications", "create", f"{project}/{app['metadata']['name']}"):
            raise denied()
    return list(expansion.apps)


async def _refuse_declared(services: Services, name: str) -> None:
    """A set a parent app declares changes in Git, never through the API."""
    for kept in await appsetviews.kept_sets(services.store):
        if kept["name"] == name and kept.get("parent"):
            raise ApiError(
                409,
                "conflict",
                f"ApplicationSet {name} is declared by application {kept['parent']} "
                f"(file {kept.get('file')}): change or remove it there, in Git",
            )


async def _shown(services: Services, name: str) -> dict[str, Any]:
    for kept in await appsetviews.kept_sets(services.store):
        if kept["name"] == name:
            return await appsetviews.appset_json(services.store, kept)
    raise ApiError(409, "conflict", f"ApplicationSet {name} was deleted meanwhile")
