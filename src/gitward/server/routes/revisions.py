"""``/api/v1/applications/{name}/revisions/{revision}/metadata``: who made a commit of the app's
repository, when and why (Argo CD's ``RevisionMetadata``), for the UI's summary and history.

Needs ``get`` on the app. ``sourceIndex`` picks the source of a multi-source app (0 by default).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gitward.model.application import parse_application
from gitward.server.deps import Grant, Svc, app_in_path, authorize
from gitward.server.failures import invalid

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppGet = Annotated[Grant, Depends(authorize("applications", "get", app_in_path))]


@router.get("/api/v1/applications/{name}/revisions/{revision}/metadata")
async def revision_metadata(
    grant: AppGet,
    services: Svc,
    revision: str,
    source_index: Annotated[int, Query(alias="sourceIndex", ge=0)] = 0,
) -> Any:
    """Author, date and message of ``revision`` in the app's (``sourceIndex``-th) repository."""
    app = parse_application(dict(grant.app.document), file=grant.app.file).value
    if source_index >= len(app.sources):
        raise invalid(f"sourceIndex {source_index}: the app has {len(app.sources)} source(s)")
    repo_url = app.sources[source_index].repo_url
    info = await services.controller.git.repos.commit_info(repo_url, revision)
    return {"author": info.author, "date": info.date, "message": info.message, "tags": []}
