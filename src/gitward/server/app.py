"""The API's app factory: FastAPI with the routes, JSON errors, the cross-site request check and
request metrics, over a :class:`~gitward.server.services.Services` value.

Every error leaves as ``{"code", "message"}`` (``gitward.server.failures``); FastAPI's own
validation errors become 400 ``invalid_argument``, unknown paths 404 ``not_found``, anything
unexpected 500 ``internal`` (logged, never echoed). A state-changing request must send
``application/json`` and, when it names an ``Origin``, come from gitward's own; the webhook is
the one exception (git providers post their own content types and carry no cookie). OpenAPI is
published at ``/api/docs``. It must not hold state of its own: the services do.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from gitward import ui
from gitward.errors import GitwardError
from gitward.redaction import redact
from gitward.server.auth.cookies import refusal_reason
from gitward.server.failures import (
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    ApiError,
    api_error_of,
    invalid,
)
from gitward.server.routes import ROUTERS
from gitward.server.services import Services

__all__ = ["WEBHOOK_PATH", "build_app"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/webhook"
_EXEMPT = frozenset({WEBHOOK_PATH})


def build_app(services: Services) -> FastAPI:
    """The API over ``services``."""
    app = FastAPI(
        title="gitward",
        version=services.version,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.services = services
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/assets", StaticFiles(directory=ui.ASSETS), name="assets")
    _install_errors(app)
    app.middleware("http")(_security_headers)
    app.middleware("http")(_cross_site_check)
    app.middleware("http")(_request_metrics)
    return app


def error_response(error: ApiError) -> JSONResponse:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


def _install_errors(app: FastAPI) -> None:
    async def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return error_response(error)

    async def gitward_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, GitwardError)
        return error_response(api_error_of(error))

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return error_response(invalid(_first_problem(error)))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        code = NOT_FOUND if error.status_code in (404, 405) else INVALID_ARGUMENT
        return error_response(ApiError(error.status_code, code, str(error.detail)))

    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return error_response(ApiError(500, INTERNAL, "internal error; see the server's log"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(GitwardError, gitward_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _first_problem(error: RequestValidationError) -> str:
    problems = error.errors()
    if not problems:
        return "the request is malformed"
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    text = str(first.get("msg", "is malformed"))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return redact(f"{where or 'body'}: {text}{more}")


Handler = Callable[[Request], Awaitable[Response]]


async def _cross_site_check(request: Request, call_next: Handler) -> Response:
    """Refuse a state-changing request that is not JSON or comes from another origin."""
    if request.url.path in _EXEMPT:
        return await call_next(request)
    services: Services = request.app.state.services
    origins = services.allowed_origins or (_own_origin(request),)
    reason = refusal_reason(
        request.method,
        request.headers.get("content-type"),
        request.headers.get("origin"),
        allowed_origins=origins,
    )
    if reason is None:
        return await call_next(request)
    if request.headers.get("origin") is not None and "origin" in reason:
        return error_response(ApiError(403, PERMISSION_DENIED, reason))
    return error_response(ApiError(415, INVALID_ARGUMENT, reason))


_SECURITY_HEADERS = {
    "Content-Security-Policy": ui.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


async def _security_headers(request: Request, call_next: Handler) -> Response:
    """Every answer forbids framing, sniffing and any script or style not served by gitward."""
    response = await call_next(request)
    for name, value in _SECURITY_HEADERS.items():
        if name == "Content-Security-Policy" and request.url.path == "/api/docs":
            continue  # FastAPI's Swagger page starts itself with an inline script
        response.headers.setdefault(name, value)
    return response


def _own_origin(request: Request) -> str:
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


async def _request_metrics(request: Request, call_next: Handler) -> Response:
    services: Services = request.app.state.services
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    metrics = services.metrics
    metrics.api_seconds.labels(request.method, path).observe(time.perf_counter() - started)
    metrics.api_requests.labels(request.method, path, str(response.status_code)).inc()
    return response
