"""No answer tells a caller whether an object they may not see exists: every API route with a
parameter naming an object in its path, taken from the API's own route table (so a new route
is walked too), answers an existing forbidden object and a missing one identically, whatever
the body.

A caller who may get the object wherever it could be (an admin, ``role:readonly``) is told
"not found" (404) instead, as that tells them nothing they could not list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

import pytest
from conftest import Api, ApiFactory, list_appset, seed_appsets
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from gitward.server.app import build_app
from gitward.server.rbac import Policy
from support.example import DEV, PROD, REPO_URL

CLUSTER = "https://k8s.example.com:6443"
EXISTING = {
    "applications": DEV,
    "projects": "dev",
    "account": "admin",
    "repositories": REPO_URL,
    "clusters": CLUSTER,
    "applicationsets": "dev-set",
}
"""An object that exists, per collection (the first path segment after ``/api/v1/``)."""
BODIES: tuple[object, ...] = (None, {}, [1], {"metadata": {"name": "x"}, "spec": {}})
_PARAM = re.compile(r"\{([a-z_]+)(?::path)?\}")
NAMING = frozenset({"name", "repo", "server"})
"""The path parameters that name the object a route is about."""


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every route, also inside included routers (FastAPI keeps those as one entry)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None) or getattr(route, "router", None)
        if included is not None and hasattr(included, "routes"):
            yield from _api_routes(included.routes)


def _routes_with_parameters(api: Api) -> list[tuple[str, str]]:
    app = build_app(api.server.services)
    found = []
    for route in _api_routes(app.routes):
        if route.path.startswith("/api/") and NAMING & set(_PARAM.findall(route.path)):
            found.extend((method, route.path) for method in sorted(route.methods))
    assert len(found) > 15, found
    return found


def _path(template: str, existing: bool) -> str:
    collection = template.removeprefix("/api/v1/").split("/")[0]
    assert collection in EXISTING, f"add an existing {collection} object to EXISTING"

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in NAMING:
            return f"no-such-{match.group(1)}"
        name = EXISTING[collection] if existing else f"no-such-{collection}"
        return quote(name, safe="")

    return _PARAM.sub(value, template)


async def _seed_repository_and_cluster(api: Api) -> None:
    admin = await api.admin()
    repo = await admin.post("/api/v1/repositories", json={"repo": REPO_URL})
    cluster = await admin.post(
        "/api/v1/clusters",
        json={"server": CLUSTER, "name": "other", "config": {"bearerToken": "t"}},
    )
    assert (repo.status_code, cluster.status_code) == (200, 200), (repo.text, cluster.text)


async def test_a_forbidden_object_and_a_missing_one_answer_alike_on_every_route(
    api: Api,
) -> None:
    await _seed_repository_and_cluster(api)
    await seed_appsets(api, list_appset("dev-set", "dev"))
    carol = api.sso("carol@example.com")
    differences = []
    for method, template in _routes_with_parameters(api):
        for body in BODIES:
            answers = []
            for existing in (True, False):
                answer = await carol.request(method, _path(template, existing), json=body)
                answers.append((answer.status_code, answer.text))
            if answers[0] != answers[1]:
                differences.append(f"{method} {template} {body!r}: {answers}")
    assert differences == []


async def test_the_update_of_a_forbidden_app_is_refused_before_its_body_is_read(
    api: Api,
) -> None:
    carol = api.sso("carol@example.com")
    answer = await carol.put(f"/api/v1/applications/{DEV}", json={})
    assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/applications/nosuchapp", "application nosuchapp not found"),
        ("/api/v1/applications/nosuchapp/resource-tree", "application nosuchapp not found"),
        ("/api/v1/projects/nosuchproject", "AppProject nosuchproject not found"),
        ("/api/v1/account/nosuchaccount", "account nosuchaccount not found"),
    ],
)
async def test_an_admin_is_told_a_missing_object_is_not_found(
    api: Api, path: str, message: str
) -> None:
    admin = await api.admin()
    answer = await admin.get(path)
    assert (answer.status_code, answer.json()) == (404, {"code": "not_found", "message": message})


async def test_a_reader_of_every_app_is_told_a_missing_app_is_not_found(api: Api) -> None:
    reader = api.sso("sam@example.com", "security-team")
    answer = await reader.get("/api/v1/applications/nosuchapp")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


NARROW = """
p, role:dev-reader, applications, get, dev/*, allow
g, dev-readers, role:dev-reader
p, role:all-but-prod, applications, get, */*, allow
p, role:all-but-prod, applications, get, prod/*, deny
g, all-but-prod, role:all-but-prod
"""


@pytest.mark.parametrize("group", ["dev-readers", "all-but-prod"])
async def test_a_reader_of_some_projects_cannot_tell_missing_from_forbidden(
    api_factory: ApiFactory, group: str
) -> None:
    api = await api_factory(rbac_policy=Policy.from_csv(NARROW))
    reader = api.sso("dave@example.com", group)
    allowed = await reader.get(f"/api/v1/applications/{DEV}")
    missing = await reader.get("/api/v1/applications/nosuchapp")
    forbidden = await reader.get(f"/api/v1/applications/{PROD}")
    assert allowed.status_code == 200
    assert (missing.status_code, missing.json()) == (forbidden.status_code, forbidden.json())
    assert missing.status_code == 403
