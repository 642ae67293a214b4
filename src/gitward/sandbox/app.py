"""The sandbox's ASGI application: Kubernetes API paths, the ``/sandbox`` admin API, and the
per-request concerns every API request passes through (bearer token, injected latency and
errors, the request log, turning any failure into a ``Status`` body).

This module must not hold state of its own: it reads the cluster, the watch hub, the faults and
the log it is given, and starts nothing but what its lifespan is handed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gitward.sandbox import discovery, openapi, routing
from gitward.sandbox.endpoints import ResourceEndpoints, json_response
from gitward.sandbox.faults import ErrorRate, Faults, Latency
from gitward.sandbox.requestlog import RequestLog, RequestRecord
from gitward.sandbox.status import ApiError
from gitward.sandbox.verbs import Cluster
from gitward.sandbox.watch import WatchHub

__all__ = ["AppParts", "build_app"]

log = logging.getLogger(__name__)

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_ERROR_REASONS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}
_NOT_FOUND = ApiError(404, "NotFound", "the server could not find the requested resource")


@dataclass(slots=True)
class AppParts:
    """What the app serves and reports to; ``lifespan`` runs around the server's life."""

    cluster: Cluster
    hub: WatchHub
    faults: Faults
    requests: RequestLog
    require_token: bool = False
    lifespan: Callable[[], contextlib.AbstractAsyncContextManager[None]] | None = None


def _injected(rate: ErrorRate) -> ApiError:
    reason = _ERROR_REASONS[rate.status]
    headers = {"Retry-After": str(rate.retry_after)} if rate.status in (429, 503) else {}
    details = {"retryAfterSeconds": rate.retry_after} if headers else {}
    return ApiError(rate.status, reason, f"sandbox fault: injected {rate.status}", details, headers)


def _discovery(request: Request, parts: AppParts) -> Response:
    path = request.url.path.rstrip("/") or "/"
    registry = parts.cluster.registry
    accept = request.headers.get("accept", "")
    segments = [s for s in path.split("/") if s]
    if path == "/version":
        return json_response(discovery.version_info())
    if path in ("/healthz", "/readyz", "/livez"):
        return PlainTextResponse("ok")
    if path in ("/api", "/apis") and discovery.wants_aggregated(accept):
        body = discovery.aggregated(registry, core=path == "/api")
        content = json_response(body).body
        return Response(content, media_type=discovery.AGGREGATED_CONTENT_TYPE)
    found: dict[str, Any] | None = None
    if path == "/openapi/v3":
        found = openapi.index(registry)
    elif path.startswith("/openapi/v3/"):
        found = openapi.group_version_document(registry, path.removeprefix("/openapi/v3"))
    elif path == "/api":
        found = discovery.api_versions()
    elif path == "/apis":
        found = discovery.api_group_list(registry)
    elif len(segments) == 2 and segments[0] == "api":
        found = discovery.resource_list(registry, "", segments[1])
    elif len(segments) == 2 and segments[0] == "apis":
        found = discovery.api_group(registry, segments[1])
    elif len(segments) == 3 and segments[0] == "apis":
        found = discovery.resource_list(registry, segments[1], segments[2])
    if found is None:
        raise _NOT_FOUND
    return json_response(found)


def _authorized(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


class _Api:
    def __init__(self, parts: AppParts) -> None:
        self.parts = parts
        self.endpoints = ResourceEndpoints(parts.cluster, parts.hub)

    async def __call__(self, request: Request) -> Response:
        received = time.monotonic()
        target = routing.parse(request.url.path, self.parts.cluster.registry)
        content_type = request.headers.get("content-type", "")
        watch = request.query_params.get("watch", "").lower() in ("1", "true")
        verb = (
            routing.verb_of(request.method, target, watch, content_type) if target else "discovery"
        )
        try:
            response = await self._serve(request, target, verb)
        except ApiError as err:
            response = json_response(err.body(), err.code, err.headers)
        except Exception:  # a sandbox bug must answer 500, not kill the connection
            log.exception("sandbox failed on %s %s", request.method, request.url.path)
            failure = ApiError(500, "InternalError", "sandbox internal error (see server log)")
            response = json_response(failure.body(), 500)
        self._record(request, target, verb, response.status_code, received)
        return response

    async def _serve(self, request: Request, target: routing.Target | None, verb: str) -> Response:
        if self.parts.require_token and not _authorized(request):
            raise ApiError(401, "Unauthorized", "Unauthorized")
        delay = self.parts.faults.delay()
        if delay > 0:
            await asyncio.sleep(delay)
        injected = self.parts.faults.injected_error(verb)
        if injected is not None:
            raise _injected(injected)
        if target is None:
            if request.method != "GET":
                raise _NOT_FOUND
            return _discovery(request, self.parts)
        return await self.endpoints.handle(request, target, verb)

    def _record(
        self,
        request: Request,
        target: routing.Target | None,
        verb: str,
        status: int,
        received: float,
    ) -> None:
        query = request.query_params
        rtype = target.rtype if target else None
        self.parts.requests.append(
            RequestRecord(
                method=request.method,
                path=request.url.path,
                verb=verb,
                group=target.group if target else "",
                version=target.version if target else "",
                kind=rtype.kind if rtype else "",
                namespace=(target.namespace or "") if target else "",
                name=target.name if target else "",
                subresource=target.subresource if target else "",
                dry_run="All" in query.getlist("dryRun"),
                field_manager=query.get("fieldManager", ""),
                status=status,
                received_at=received,
                responded_at=time.monotonic(),
            )
        )


def _admin_routes(parts: AppParts) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def requests(request: Request) -> Response:
        return json_response([dataclasses.asdict(r) for r in parts.requests.records()])

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                _set_faults(parts.faults, await request.json())
            except (TypeError, ValueError, AttributeError) as err:
                failure = ApiError(400, "BadRequest", f"invalid fault settings: {err}")
                return json_response(failure.body(), 400)
        return json_response(_fault_settings(parts.faults))

    async def drop_watches(request: Request) -> Response:
        return json_response({"dropped": parts.hub.drop_all()})

    async def refuse(request: Request) -> Response:
        seconds = float(request.query_params.get("seconds", "1"))
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, parts.faults.refuse_connections)
        loop.call_later(0.01 + seconds, parts.faults.accept_connections)
        return json_response({"refusingFor": seconds})

    return [
        Route("/sandbox/healthz", healthz),
        Route("/sandbox/requests", requests),
        Route("/sandbox/faults", faults, methods=["GET", "POST"]),
        Route("/sandbox/watches/drop", drop_watches, methods=["POST"]),
        Route("/sandbox/refuse", refuse, methods=["POST"]),
    ]


def _fault_settings(faults: Faults) -> dict[str, Any]:
    """What ``GET /sandbox/faults`` shows: every setting, null when off."""
    latency, errors = faults.latency(), faults.error_rate()
    return {
        "missingImages": faults.missing_images(),
        "crashingImages": faults.crashing_images(),
        "latency": dataclasses.asdict(latency) if latency else None,
        "errors": (
            {**dataclasses.asdict(errors), "verbs": sorted(errors.verbs)} if errors else None
        ),
    }


def _set_faults(faults: Faults, body: dict[str, Any]) -> None:
    """Apply an admin request: ``{"latency": {...}|null, "errors": {...}|null,
    "missingImages": [...], "crashingImages": [...]}``; keys left out keep their setting."""
    if "latency" in body:
        faults.set_latency(Latency(**body["latency"]) if body["latency"] else None)
    if "errors" in body:
        spec = body["errors"]
        if spec:
            spec = {**spec, "verbs": frozenset(spec.get("verbs") or ())}
        faults.set_error_rate(ErrorRate(**spec) if spec else None)
    if "missingImages" in body:
        for image in faults.missing_images():
            faults.restore_image(image)
        for image in body["missingImages"] or []:
            faults.mark_image_missing(str(image))
    if "crashingImages" in body:
        for image in faults.crashing_images():
            faults.restore_image(image)
        for image in body["crashingImages"] or []:
            faults.mark_image_crashing(str(image))


def build_app(parts: AppParts) -> Starlette:
    """The ASGI app of one sandbox."""
    api = _Api(parts)

    async def endpoint(request: Request) -> Response:
        return await api(request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if parts.lifespan is None:
            yield
            return
        async with parts.lifespan():
            yield

    routes = [*_admin_routes(parts), Route("/{path:path}", endpoint, methods=_METHODS)]
    return Starlette(routes=routes, lifespan=lifespan)
