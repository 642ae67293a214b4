"""``POST /api/v1/applications/{name}/promote``: gitward's promotion (Argo CD has none).

The body is ``{"from": SOURCE, "keys": [...], "force": false}``; the answer says what was
promoted (see :meth:`gitward.controller.promoting.Promoted.as_json`): committed to the target's
branch, pushed to a promotion branch with the pull request's link and Markdown body (a manual
target), or unchanged.

Authorization is ``sync`` on the target: promoting into an automated app deploys as a sync
would, and into a manual app it proposes what a sync would then deploy; ``update`` would let
anyone who may edit an Application's spec change what runs in its environment. Reading the
source's values needs ``get`` on the source. A gate that refuses (the source not Synced and
Healthy, a tag the project's semver rule refuses) is a 409 naming what to do; git is pushed to
with the repository's stored credentials.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from gitward.controller.promoting import Promotions
from gitward.delivery.gates import PromotionRefusedError
from gitward.server.deps import Grant, Svc, app_in_path, authorize
from gitward.server.failures import CONFLICT, ApiError, denied

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppPromote = Annotated[Grant, Depends(authorize("applications", "sync", app_in_path))]
_KEY = r"^[^\s]{1,253}$"


class PromoteBody(BaseModel):
    """Where from, which keys (default: the target's ``gitward.io/promote-keys``), and whether
    to pass the source's Synced+Healthy gate."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    source: str = Field(alias="from", min_length=1, max_length=253)
    keys: list[Annotated[str, Field(pattern=_KEY)]] = Field(default_factory=list, max_length=64)
    force: bool = False


@router.post("/api/v1/applications/{name}/promote")
async def promote_application(grant: AppPromote, services: Svc, body: PromoteBody) -> Any:
    """Promote values of ``from`` into this app (see the module docstring)."""
    source = await services.store.apps.get(body.source)
    if source is None or not grant.permits_app("get", source.project, source.name):
        raise denied()  # the same whether it exists or not, as for every object
    promotions = Promotions(
        services.controller, services.repo_credentials.lookup, services.git_hosts
    )
    try:
        promoted = await promotions.promote(
            grant.app.name,
            source.name,
            body.keys,
            actor=grant.actor,
            force=body.force,
            by_hand=True,  # get on the source, just checked
        )
    except PromotionRefusedError as refused:
        raise ApiError(409, CONFLICT, refused.message) from refused
    return promoted.as_json()
