"""``/api/v1/applications/{name}/sync``, ``/rollback`` and ``/operation`` (DELETE: terminate).

A sync is checked against the app's project first (its sync windows, sources, destination, and
every object it would apply, hooks included), then handed to the controller, which persists it
before anything is applied; the answer is the app with its new ``operationState``. A rollback
follows the controller's rules (refused while automated sync is on). A sync or rollback that a
sync window blocks is refused with 409, naming the window and when a sync may start.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from gitward.model.application import parse_application
from gitward.model.objects import ResourceKey
from gitward.server.deps import Grant, Svc, app_in_path, authorize
from gitward.server.failures import CONFLICT, ApiError
from gitward.server.permitting import check_rollback, check_sync
from gitward.server.routes.applications import full_app
from gitward.sync import SyncRequest

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppSync = Annotated[Grant, Depends(authorize("applications", "sync", app_in_path))]
AppRollback = Annotated[Grant, Depends(authorize("applications", "rollback", app_in_path))]
AppTerminate = Annotated[Grant, Depends(authorize("applications", "sync", app_in_path))]


class ResourceRef(BaseModel):
    group: str = ""
    kind: str = Field(min_length=1)
    namespace: str = ""
    name: str = Field(min_length=1)


class SyncOptions(BaseModel):
    items: list[str] = Field(default_factory=list)


class SyncBody(BaseModel):
    """Argo CD's ApplicationSyncRequest, in short."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    revision: str = ""
    prune: bool = False
    dry_run: bool = Field(default=False, alias="dryRun")
    resources: list[ResourceRef] | None = None
    sync_options: SyncOptions | None = Field(default=None, alias="syncOptions")

    def request(self) -> SyncRequest:
        resources = None
        if self.resources:
            resources = frozenset(
                ResourceKey(r.group, r.kind, r.namespace, r.name) for r in self.resources
            )
        options = tuple(self.sync_options.items) if self.sync_options else ()
        return SyncRequest(
            revision=self.revision,
            prune=self.prune,
            dry_run=self.dry_run,
            resources=resources,
            sync_options=options,
        )


class RollbackBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: int = Field(ge=0)
    prune: bool = False
    dry_run: bool = Field(default=False, alias="dryRun")


@router.post("/api/v1/applications/{name}/sync")
async def sync_application(grant: AppSync, services: Svc, body: SyncBody | None = None) -> Any:
    """Start a sync (refused while another operation runs: 409)."""
    wanted = body or SyncBody()
    record = grant.app
    app = parse_application(dict(record.document), file=record.file).value
    await check_sync(
        services.store, services.controller, app, wanted.revision, dry_run=wanted.dry_run
    )
    await services.controller.sync(record.name, wanted.request(), initiated_by=grant.actor)
    return await full_app(services, record.name)


@router.post("/api/v1/applications/{name}/rollback")
async def rollback_application(grant: AppRollback, services: Svc, body: RollbackBody) -> Any:
    """Deploy again what history entry ``id`` deployed."""
    record = grant.app
    app = parse_application(dict(record.document), file=record.file).value
    await check_rollback(services.store, services.controller, app, dry_run=body.dry_run)
    await services.controller.rollback(
        record.name, body.id, initiated_by=grant.actor, prune=body.prune, dry_run=body.dry_run
    )
    return await full_app(services, record.name)


@router.delete("/api/v1/applications/{name}/operation")
async def terminate_operation(grant: AppTerminate, services: Svc) -> Any:
    """Stop the running operation at its next step (409 when none runs)."""
    found = await services.controller.terminate(grant.app.name, initiated_by=grant.actor)
    if found is None:
        raise ApiError(409, CONFLICT, f"Application {grant.app.name} has no running operation")
    return {}
