"""The API's dependencies: who is asking (authentication) and may they (RBAC), as ONE
dependency per endpoint.

``authorize(resource, action, target)`` authenticates the request, asks ``target`` which
objects it concerns (``<project>/<app>`` for applications, read from the store or the body),
and checks each with the RBAC policy in force; it answers with a :class:`Grant` or refuses.
An object that does not exist is refused exactly like a forbidden one (403, same message).
Endpoints declare typed aliases of it; handlers contain no permission logic (a list handler
only keeps what ``grant.permits`` says). Bearer tokens come from ``Authorization: Bearer`` or
the session cookie.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Request

from gitward.server.auth import Principal
from gitward.server.failures import denied, invalid
from gitward.server.rbac import Policy, Subject
from gitward.server.services import Services
from gitward.store import AppRecord

__all__ = [
    "Authenticated",
    "Grant",
    "Svc",
    "Target",
    "app_in_body",
    "app_in_path",
    "app_update",
    "authenticated",
    "authorize",
    "bearer_of",
    "body_field",
    "json_body",
    "nothing",
    "path_param",
    "services_of",
]


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(services_of)]


@dataclass(frozen=True)
class Target:
    """The objects a request concerns (each checked), and the app it names, once loaded."""

    objects: tuple[str, ...] = ()
    app: AppRecord | None = None


TargetOf = Callable[[Request, Services], Awaitable[Target]]


@dataclass(frozen=True)
class Grant:
    """A request that passed: who it acts as, and the policy that let it."""

    principal: Principal
    subject: Subject
    policy: Policy
    target: Target = field(default_factory=Target)
    by_project: bool = False
    """Whether every app of a project gets the same answer (``permits_app`` remembers it)."""
    _memo: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def actor(self) -> str:
        """The name the audit log and operations record."""
        return self.principal.name

    @property
    def app(self) -> AppRecord:
        """The app the path names (only for endpoints whose target loads one)."""
        assert self.target.app is not None, "this endpoint's target loads no app"
        return self.target.app

    def permits(self, resource: str, action: str, obj: str) -> bool:
        """Whether the caller may ``action`` the ``resource`` ``obj`` (filters lists)."""
        return self.policy.allowed(self.subject, resource, action, obj).allowed

    def permits_app(self, action: str, project: str, name: str) -> bool:
        """Whether the caller may ``action`` the app; asked once per project when the policy
        decides by project alone (a list of thousands of apps)."""
        if not self.by_project:
            return self.permits("applications", action, f"{project}/{name}")
        key = (action, project)
        if key not in self._memo:
            self._memo[key] = self.permits("applications", action, f"{project}/{name}")
        return self._memo[key]


def bearer_of(request: Request, services: Services) -> str | None:
    """The session or API token a request carries: the bearer header, else the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(services.cookies.name) or None


async def _principal(request: Request, services: Services) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = await services.authenticator.authenticate(bearer_of(request, services))
    request.state.principal = principal
    return principal


def _subject(principal: Principal) -> Subject:
    return Subject("" if principal.is_anonymous else principal.name, principal.groups)


def authorize(resource: str, action: str, target: TargetOf) -> Callable[..., Awaitable[Grant]]:
    """The dependency that lets a request ``action`` the ``resource`` objects ``target``
    names, or refuses it (401 without credentials, 403 otherwise)."""

    async def dependency(request: Request) -> Grant:
        services = services_of(request)
        principal = await _principal(request, services)
        policy = await services.policies.current()
        by_project = services.policies.by_project
        grant = Grant(principal, _subject(principal), policy, by_project=by_project)
        found = await target(request, services)
        for obj in found.objects:
            if not grant.permits(resource, action, obj):
                raise denied()
        return Grant(principal, grant.subject, policy, found, by_project)

    return dependency


async def authenticated(request: Request) -> Grant:
    """Any authenticated caller (their own account, lists filtered per item)."""
    return await authorize("", "", nothing)(request)


Authenticated = Annotated[Grant, Depends(authenticated)]

# -- targets ---------------------------------------------------------------------------------


async def nothing(request: Request, services: Services) -> Target:
    return Target()


async def app_in_path(request: Request, services: Services) -> Target:
    """The app ``{name}`` names, as ``<project>/<name>``; 403 when there is none."""
    name = request.path_params.get("name", "")
    record = await services.store.apps.get(name)
    if record is None:
        raise denied()
    return Target((f"{record.project}/{record.name}",), record)


async def app_in_body(request: Request, services: Services) -> Target:
    """The app a body declares (create): ``<spec.project>/<metadata.name>``."""
    project, name = _project_and_name(await json_body(request))
    return Target((f"{project}/{name}",))


async def app_update(request: Request, services: Services) -> Target:
    """An update: the stored app's object, and the body's when it moves to another project."""
    stored = await app_in_path(request, services)
    project, name = _project_and_name(await json_body(request))
    return Target((*stored.objects, f"{project}/{name}"), stored.app)


def path_param(name: str) -> TargetOf:
    """The object the path parameter ``name`` spells (URL-decoded)."""

    async def target(request: Request, services: Services) -> Target:
        return Target((unquote(str(request.path_params.get(name, ""))),))

    return target


def body_field(name: str, default: Callable[[Request], str] | None = None) -> TargetOf:
    """The object the body's top-level string field ``name`` names."""

    async def target(request: Request, services: Services) -> Target:
        body = await json_body(request)
        value = body.get(name)
        if value in (None, "") and default is not None:
            return Target((default(request),))
        if not isinstance(value, str) or not value:
            raise invalid(f"the body needs {name!r} (a string)")
        return Target((value,))

    return target


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid("the body is not JSON") from None
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def _project_and_name(body: dict[str, Any]) -> tuple[str, str]:
    metadata, spec = body.get("metadata"), body.get("spec")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    project = spec.get("project") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not name:
        raise invalid("the Application needs metadata.name")
    if not isinstance(project, str) or not project:
        raise invalid(f"Application {name}: spec.project is missing")
    return project, name
