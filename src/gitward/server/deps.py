"""The API's dependencies: who is asking (authentication) and may they (RBAC), as ONE
dependency per endpoint.

``authorize(resource, action, target, *more)`` authenticates the request, asks ``target`` which
objects it concerns (``<project>/<app>`` for applications, read from the store or the body),
and checks each with the RBAC policy in force, before ``more`` targets (read from the body) are
asked: nothing about the request but its path is looked at before the path's object is
authorized. It answers with a :class:`Grant` or refuses. An object that does not exist is
refused exactly like a forbidden one (403, same message), unless the caller may ``get`` it
wherever it could be (an app in every project): then it is 404 ``not_found``, which tells them
nothing they could not see.
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
from gitward.server.failures import NOT_FOUND, ApiError, denied, invalid
from gitward.server.rbac import Policy, Subject
from gitward.server.services import Services
from gitward.store import AppRecord

__all__ = [
    "Authenticated",
    "Grant",
    "Missing",
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
    "named",
    "nothing",
    "path_param",
    "services_of",
]


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(services_of)]


@dataclass(frozen=True)
class Missing:
    """An object the path names that does not exist: ``what`` it is called in the answer, and
    the ``objects`` of ``resource`` the caller must be allowed to get to be told so."""

    what: str
    resource: str
    objects: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """The objects a request concerns (each checked), and the app it names, once loaded."""

    objects: tuple[str, ...] = ()
    app: AppRecord | None = None
    missing: Missing | None = None


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


def authorize(
    resource: str, action: str, target: TargetOf, *more: TargetOf
) -> Callable[..., Awaitable[Grant]]:
    """The dependency that lets a request ``action`` the ``resource`` objects ``target``
    (then each of ``more``) names, or refuses it (401 without credentials, 403 otherwise)."""

    async def dependency(request: Request) -> Grant:
        services = services_of(request)
        principal = await _principal(request, services)
        policy = await services.policies.current()
        by_project = services.policies.by_project
        grant = Grant(principal, _subject(principal), policy, by_project=by_project)
        first = await target(request, services)
        if first.missing is not None:
            raise _refusal_of_missing(grant, first.missing)
        objects = first.objects
        _check(grant, resource, action, objects)
        for later in more:
            found = (await later(request, services)).objects
            _check(grant, resource, action, found)
            objects += found
        return Grant(principal, grant.subject, policy, Target(objects, first.app), by_project)

    return dependency


def _check(grant: Grant, resource: str, action: str, objects: tuple[str, ...]) -> None:
    for obj in objects:
        if not grant.permits(resource, action, obj):
            raise denied()


def _refusal_of_missing(grant: Grant, missing: Missing) -> ApiError:
    """404 when the caller may get the object wherever it could be; else the usual 403."""
    if missing.objects and all(grant.permits(missing.resource, "get", o) for o in missing.objects):
        return ApiError(404, NOT_FOUND, f"{missing.what} not found")
    return denied()


async def authenticated(request: Request) -> Grant:
    """Any authenticated caller (their own account, lists filtered per item)."""
    return await authorize("", "", nothing)(request)


Authenticated = Annotated[Grant, Depends(authenticated)]

# -- targets ---------------------------------------------------------------------------------


async def nothing(request: Request, services: Services) -> Target:
    return Target()


async def app_in_path(request: Request, services: Services) -> Target:
    """The app ``{name}`` names, as ``<project>/<name>``; missing: it could be in any project."""
    name = request.path_params.get("name", "")
    record = await services.store.apps.get(name)
    if record is None:
        projects = {"default", *(project.name for project in await services.store.projects.list())}
        candidates = tuple(f"{project}/{name}" for project in sorted(projects))
        return Target(missing=Missing(f"application {name}", "applications", candidates))
    return Target((f"{record.project}/{record.name}",), record)


async def app_in_body(request: Request, services: Services) -> Target:
    """The app a body declares (create): ``<spec.project>/<metadata.name>``."""
    project, name = _project_and_name(await json_body(request))
    return Target((f"{project}/{name}",))


app_update = (app_in_path, app_in_body)
"""An update: the stored app's object first, then the body's (when it moves to another
project); the body is not read before the stored app is authorized."""


def named(resource: str, what: str, exists: Callable[[Services, str], Awaitable[bool]]) -> TargetOf:
    """The object the path parameter ``name`` names (URL-decoded), when it exists."""

    async def target(request: Request, services: Services) -> Target:
        name = unquote(str(request.path_params.get("name", "")))
        if not await exists(services, name):
            return Target(missing=Missing(f"{what} {name}", resource, (name,)))
        return Target((name,))

    return target


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
