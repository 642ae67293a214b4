"""The web UI's pages: every UI path answers the one HTML shell from :mod:`gitward.ui`, and
``/assets`` serves its scripts and styles.

Every response of the server carries the security headers (``app.py`` adds them); the shell is
never cached so a new gitward's scripts are picked up, while assets are cached briefly.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from gitward import ui
from gitward.server.deps import Svc

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/applications", status_code=302)


@router.get("/login")
@router.get("/applications")
@router.get("/applications/{name}")
@router.get("/settings")
async def page() -> Response:
    return Response(ui.shell(), media_type="text/html", headers={"Cache-Control": "no-store"})


@router.get("/api/v1/session/methods", include_in_schema=True, tags=["session"])
async def login_methods(services: Svc) -> Any:
    """How one may log in here (answers anyone: the login page asks before there is a session)."""
    return {"password": True, "sso": services.oidc is not None}
