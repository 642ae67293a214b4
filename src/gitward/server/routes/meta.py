"""``/api/version``, ``/healthz`` and ``/api/v1/settings``.

The first two answer anyone (a load balancer; ``/healthz`` is also the readiness of a replica:
503 while it holds no lease); settings only a logged-in caller, and never
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
async def healthz(services: Svc) -> PlainTextResponse:
    """``ok``; 503 with the reason while a replica holds no lease (it writes nothing then, and
    a load balancer or Kubernetes should stop counting on it)."""
    membership = services.controller.membership
    if membership is not None and not membership.ready:
        return PlainTextResponse(f"not ready: {membership.problem}", status_code=503)
    return PlainTextResponse("ok")


@router.get("/api/v1/settings")
async def settings(grant: Authenticated, services: Svc) -> Any:
    """What a client may know about this server's configuration, and what is wrong with the
    RBAC policy in force (``rbacWarnings``: gitward's own key; the admin who can fix the file
    sees them without reading the server's log)."""
    return {**services.public_settings, "rbacWarnings": list(services.policies.base.warnings)}
