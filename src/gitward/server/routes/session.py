"""``/api/v1/session``: log in with a local account (a session token, also as an HttpOnly
cookie), log out, and say who the caller is; ``/auth/login`` and ``/auth/callback``: single
sign-on by OIDC when it is configured.

Every login attempt, failed or not, is written to the audit log (never with its password).
Failures say only ``unauthenticated`` or ``rate_limited``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from gitward.server.auth import AuthError, LoginAttempt, LoginOutcome, OidcLogin
from gitward.server.deps import Authenticated, Svc, bearer_of
from gitward.server.failures import UNAUTHENTICATED, ApiError, invalid
from gitward.server.services import Services
from gitward.store import AuditAction

__all__ = ["router"]

router = APIRouter(tags=["session"])

_LOGIN_COOKIE = "gitward.oidc"


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=253)
    password: str = Field(min_length=1, max_length=4096, repr=False)


@router.post("/api/v1/session")
async def login(body: Credentials, request: Request, response: Response, services: Svc) -> Any:
    """Log in; the token comes back in the body and as the session cookie."""
    source = request.client.host if request.client else None
    try:
        session = await services.authenticator.login(body.username, body.password, source)
    except AuthError as err:
        await _audit(services, err.attempt)
        raise
    await _audit(services, session.attempt)
    response.headers["set-cookie"] = services.cookies.set_cookie(
        session.token, tls=services.tls, expires_at=session.expires_at
    )
    return {"token": session.token}


@router.delete("/api/v1/session")
async def logout(request: Request, response: Response, services: Svc) -> Any:
    """End the caller's session (its token stops working) and clear the cookie."""
    bearer = bearer_of(request, services)
    if bearer is None:
        raise ApiError(401, UNAUTHENTICATED, "no session to end; log in first")
    principal = await services.authenticator.logout(bearer)
    await services.store.audit.append(principal.name, AuditAction.LOGOUT, "session")
    response.headers["set-cookie"] = services.cookies.clear_cookie(tls=services.tls)
    return {}


@router.get("/api/v1/session/userinfo")
async def userinfo(grant: Authenticated) -> Any:
    """Who the caller is (Argo CD's userinfo)."""
    principal = grant.principal
    return {
        "loggedIn": not principal.is_anonymous,
        "username": principal.name,
        "groups": list(principal.groups),
        "kind": principal.kind.value,
    }


@router.get("/auth/login")
async def oidc_login(request: Request, services: Svc, return_url: str = "/") -> Any:
    """Start a single sign-on: off to the provider, with a short-lived login cookie."""
    oidc = _oidc(services)
    begun = await oidc.begin(return_url)
    redirect = RedirectResponse(begun.url, status_code=303)
    redirect.set_cookie(
        _LOGIN_COOKIE,
        begun.cookie_value,
        httponly=True,
        secure=services.tls,
        samesite="lax",
        max_age=int(oidc.config.login_ttl.total_seconds()),
    )
    return redirect


@router.get("/auth/callback")
async def oidc_callback(
    request: Request,
    services: Svc,
    code: str = "",
    state: str = "",
    error: str | None = None,
) -> Any:
    """The provider sends the browser back here: check, then open a gitward session."""
    oidc = _oidc(services)
    try:
        result = await oidc.complete(
            code=code, state=state, cookie_value=request.cookies.get(_LOGIN_COOKIE), error=error
        )
    except AuthError as err:
        refused = LoginOutcome.SSO_REFUSED
        attempt = err.attempt or LoginAttempt("(sso)", None, refused, method="oidc")
        await _audit(services, attempt)
        raise
    session = services.authenticator.sso_session(result.principal.name, result.principal.groups)
    await _audit(services, session.attempt)
    redirect = RedirectResponse(result.return_to, status_code=303)
    redirect.headers.append(
        "set-cookie",
        services.cookies.set_cookie(session.token, tls=services.tls, expires_at=session.expires_at),
    )
    redirect.delete_cookie(_LOGIN_COOKIE)
    return redirect


def _oidc(services: Services) -> OidcLogin:
    if services.oidc is None:
        raise invalid("single sign-on is not configured on this server")
    return services.oidc


async def _audit(services: Services, attempt: LoginAttempt | None) -> None:
    if attempt is not None:
        await services.store.audit.append(*attempt.audit())
