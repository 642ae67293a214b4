"""``POST /api/webhook``: a git provider says something was pushed.

The delivery passes ``services.webhook_intake``: it waits for one of a few parse slots (503 at
once when too many wait), its body is read up to the provider's limit plus one byte (50 MB with
the provider's secret configured, 1 MB without; a larger one is refused without being read
whole), then verified and decoded on a worker thread within a shape budget. Its pushes go on
the bounded webhook queue (503 when it is full). The answer never says which apps matched.
No authentication: the shared secrets are the check, when configured.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gitward.server.deps import Svc
from gitward.server.failures import UNAVAILABLE, ApiError
from gitward.server.intake import BusyError
from gitward.server.webhooks import WebhookError
from gitward.server.webhooks.errors import TOO_LARGE

__all__ = ["router"]

router = APIRouter(tags=["webhooks"])

_RETRY_AFTER_S = 5


@router.post("/api/webhook")
async def receive_webhook(request: Request, services: Svc) -> Any:
    headers = {name.lower(): value for name, value in request.headers.items()}

    async def read_body(limit: int) -> bytes:
        return await _capped_body(request, limit)

    try:
        pushes = await services.webhook_intake.receive(headers, read_body)
    except BusyError:
        raise _unavailable("too many webhook deliveries are being read; retry later") from None
    except WebhookError as err:
        raise ApiError(err.status, err.code, err.message) from None
    if not services.webhooks.offer(pushes):
        raise _unavailable("too many webhook deliveries waiting; retry later")
    return {"received": len(pushes)}


def _unavailable(message: str) -> ApiError:
    return ApiError(503, UNAVAILABLE, message, retry_after=_RETRY_AFTER_S)


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
