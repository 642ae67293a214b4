"""Every rule of the strategy document's argocd-rbac-cm.yaml, allowed and denied, through the
API (users come from single sign-on with the document's groups).

``policy.default: role:viewer`` names a role nothing defines, so it grants nothing (as in
Argo CD); devops-team are developers and release-managers; security-team may only look.
"""

from __future__ import annotations

import pytest
from conftest import Api

from support.example import DEV, PROD, ROOT, STAGING

DEVOPS = ("devops-team",)
SECURITY = ("security-team",)
NOBODY: tuple[str, ...] = ()

# (groups, method, path, body, allowed)
RULES = [
    # developers: sync and get dev/* and staging/*
    (DEVOPS, "POST", f"/api/v1/applications/{DEV}/sync", {}, True),
    (DEVOPS, "POST", f"/api/v1/applications/{STAGING}/sync", {}, True),
    (DEVOPS, "GET", f"/api/v1/applications/{DEV}", None, True),
    (DEVOPS, "GET", f"/api/v1/applications/{STAGING}", None, True),
    # release-managers: sync and get */*
    (DEVOPS, "POST", f"/api/v1/applications/{PROD}/sync", {}, True),
    (DEVOPS, "GET", f"/api/v1/applications/{PROD}", None, True),
    (DEVOPS, "DELETE", f"/api/v1/applications/{PROD}/operation", None, True),
    # nothing grants devops-team delete, create or projects
    (DEVOPS, "DELETE", f"/api/v1/applications/{DEV}", None, False),
    (DEVOPS, "GET", "/api/v1/projects/dev", None, False),
    # security-team: get */* only
    (SECURITY, "GET", f"/api/v1/applications/{DEV}", None, True),
    (SECURITY, "GET", f"/api/v1/applications/{PROD}", None, True),
    (SECURITY, "GET", f"/api/v1/applications/{ROOT}/revisions/history", None, True),
    (SECURITY, "POST", f"/api/v1/applications/{DEV}/sync", {}, False),
    (SECURITY, "POST", f"/api/v1/applications/{PROD}/sync", {}, False),
    (SECURITY, "POST", f"/api/v1/applications/{PROD}/rollback", {"id": 1}, False),
    (SECURITY, "DELETE", f"/api/v1/applications/{PROD}/operation", None, False),
    (SECURITY, "DELETE", f"/api/v1/applications/{PROD}", None, False),
    # the default role (role:viewer) grants nothing
    (NOBODY, "GET", f"/api/v1/applications/{DEV}", None, False),
    (NOBODY, "POST", f"/api/v1/applications/{DEV}/sync", {}, False),
]


@pytest.mark.parametrize(("groups", "method", "path", "body", "allowed"), RULES)
async def test_the_documents_policy_decides_each_request(
    api: Api,
    groups: tuple[str, ...],
    method: str,
    path: str,
    body: dict[str, object] | None,
    allowed: bool,
) -> None:
    client = api.sso("someone@example.com", *groups)
    answer = await client.request(method, path, json=body)
    if allowed:
        assert answer.status_code != 403, answer.text
        assert answer.status_code < 400 or answer.json()["code"] != "permission_denied"
    else:
        assert (answer.status_code, answer.json()) == (
            403,
            {"code": "permission_denied", "message": "permission denied"},
        )


async def test_an_unknown_app_and_a_forbidden_one_look_the_same(api: Api) -> None:
    client = api.sso("carol@example.com")
    unknown = await client.get("/api/v1/applications/no-such-app")
    forbidden = await client.get(f"/api/v1/applications/{DEV}")
    assert (unknown.status_code, unknown.json()) == (forbidden.status_code, forbidden.json())


async def test_lists_keep_only_what_the_caller_may_get(api: Api) -> None:
    nobody = await api.sso("carol@example.com").get("/api/v1/applications")
    security = await api.sso("sam@example.com", *SECURITY).get("/api/v1/applications")
    assert nobody.json() == {"items": []}
    assert len(security.json()["items"]) == 4


async def test_a_developer_may_not_create_apps_even_in_dev(api: Api) -> None:
    document = {
        "metadata": {"name": "sneaky"},
        "spec": {
            "project": "dev",
            "source": {"repoURL": "https://example.com/x.git", "path": "."},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "dev"},
        },
    }
    answer = await api.sso("dan@example.com", *DEVOPS).post("/api/v1/applications", json=document)
    assert answer.status_code == 403
    assert await api.server.services.store.apps.get("sneaky") is None


async def test_the_admin_may_do_what_no_group_may(api: Api) -> None:
    admin = await api.admin()
    deleted = await admin.delete(f"/api/v1/applications/{DEV}", params={"cascade": "false"})
    projects = await admin.get("/api/v1/projects/dev")
    assert (deleted.status_code, projects.status_code) == (200, 200)


async def test_a_sync_is_recorded_under_the_sso_users_name(api: Api) -> None:
    await api.sso("rm@example.com", *DEVOPS).post(f"/api/v1/applications/{PROD}/sync", json={})
    operation = await api.server.services.store.operations.current(PROD)
    assert operation is not None and operation.requested_by == "rm@example.com"
