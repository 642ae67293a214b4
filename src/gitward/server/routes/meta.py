"""``/api/version``, ``/healthz`` and ``/api/v1/settings``.

The first two answer anyone (a load balancer); settings only a logged-in caller, and never
anything sensitive (no secrets, no credentials, no policy text). ``/metrics`` is not here: it
names every app, so it has its own listener (``gitward.server.scraping``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from gitward.server.deps import Authenticated, Svc

__all__ = ["router"]

router = APIRouter(tags=["server"])


@router.get("/api/version")
async def version(services: Svc) -> Any:
    return {"Version": services.version}


@router.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    return "ok"


@router.get("/api/v1/settings")
async def settings(grant: Authenticated, services: Svc) -> Any:
    """What a client may know about this server's configuration, and what is wrong with the
    RBAC policy in force (``rbacWarnings``: gitward's own key; the admin who can fix the file
    sees them without reading the server's log)."""
    return {**services.public_settings, "rbacWarnings": list(services.policies.base.warnings)}
