"""``/api/version``, ``/healthz``, ``/metrics`` and ``/api/v1/settings``.

The first three answer anyone (a load balancer, Prometheus); settings only a logged-in caller,
and never anything sensitive (no secrets, no credentials, no policy text).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from gitward.server.deps import Authenticated, Svc

__all__ = ["router"]

router = APIRouter(tags=["server"])


@router.get("/api/version")
async def version(services: Svc) -> Any:
    return {"Version": services.version}


@router.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    return "ok"


@router.get("/metrics")
async def metrics(services: Svc) -> Response:
    await services.metrics.load(services.store)
    services.metrics.queue_depth.set(services.controller.queue.depth)
    services.metrics.webhook_queue_depth.set(services.webhooks.depth)
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/v1/settings")
async def settings(grant: Authenticated, services: Svc) -> Any:
    """What a client may know about this server's configuration, and what is wrong with the
    RBAC policy in force (``rbacWarnings``: gitward's own key; the admin who can fix the file
    sees them without reading the server's log)."""
    return {**services.public_settings, "rbacWarnings": list(services.policies.base.warnings)}
