"""The metrics listener's app: ``GET /metrics`` (Prometheus) on a port of its own.

The metrics name every app with its project and state, so they must not be on the API's port,
where anyone could read what RBAC hides from them. Like Argo CD's ``--metrics-port``, they have
their own listener, which an operator exposes to the scraper only (a firewall, a network
policy, or 127.0.0.1). It serves nothing else and holds no state: the services do.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gitward.server.services import Services

__all__ = ["METRICS_PATH", "build_metrics_app"]

METRICS_PATH = "/metrics"


def build_metrics_app(services: Services) -> Starlette:
    """``/metrics`` and ``/healthz`` over ``services``."""

    async def metrics(request: Request) -> Response:
        await services.metrics.load(services.store)
        services.metrics.queue_depth.set(services.controller.queue.depth)
        services.metrics.webhook_queue_depth.set(services.webhooks.depth)
        return Response(services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route(METRICS_PATH, metrics), Route("/healthz", healthz)],
    )
