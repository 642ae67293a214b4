"""``POST /api/webhook``: a git provider says something was pushed.

The body is read up to the configured limit plus one byte (a larger one is refused without
being read whole), verified and parsed by ``gitward.server.webhooks``, and its pushes are put
on the bounded webhook queue (503 when it is full). The answer never says which apps matched.
No authentication: the shared secrets are the check, when configured.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gitward.server.deps import Svc
from gitward.server.failures import UNAVAILABLE, ApiError
from gitward.server.webhooks import WebhookError, parse_webhook
from gitward.server.webhooks.errors import TOO_LARGE

__all__ = ["router"]

router = APIRouter(tags=["webhooks"])


@router.post("/api/webhook")
async def receive_webhook(request: Request, services: Svc) -> Any:
    body = await _capped_body(request, services.webhook_max_bytes)
    try:
        pushes = parse_webhook(
            dict(request.headers),
            body,
            services.webhook_secrets,
            max_bytes=services.webhook_max_bytes,
        )
    except WebhookError as err:
        raise ApiError(err.status, err.code, err.message) from None
    if not services.webhooks.offer(pushes):
        raise ApiError(
            503, UNAVAILABLE, "too many webhook deliveries waiting; retry later", retry_after=5
        )
    return {"received": len(pushes)}


async def _capped_body(request: Request, max_bytes: int) -> bytes:
    """At most ``max_bytes`` + 1 bytes of the body: enough to tell it is too large."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, TOO_LARGE, f"the payload is larger than the limit of {max_bytes} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            break
    return b"".join(chunks)[: max_bytes + 1]
