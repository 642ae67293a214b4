"""``POST /api/v1/applicationsets?dryRun=true``: a set given through the API is expanded as a
parent's render would expand it (real git for a git generator) and nothing is written; RBAC is
Argo CD's (``applicationsets, create`` on the template's project, ``applications, create`` on
every generated app); a bad set is a located 400. Without dry run the set is stored and its
Applications written at once; ``upsert`` replaces it; a delete removes it and its apps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import ApiFactory, example_directories_set, list_appset, seed_appsets

from gitward.model.application import parse_application
from gitward.store import AppDefinition
from support.applications import application
from support.example import REPO_URL, ROOT

POLICY = """apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-rbac-cm, namespace: argocd}
data:
  policy.csv: |
    p, role:set-maker, applicationsets, create, dev/*, allow
    p, role:set-maker, applications, create, dev/*, allow
    p, role:set-only, applicationsets, create, dev/*, allow
    p, role:apps-only, applications, create, dev/*, allow
    g, makers, role:set-maker
    g, set-only, role:set-only
    g, apps-only, role:apps-only
"""


def clean_appset(name: str, project: str) -> dict[str, Any]:
    """``list_appset`` without credentials in its template's repoURL."""
    appset = list_appset(name, project)
    appset["spec"]["template"]["spec"]["source"]["repoURL"] = REPO_URL
    return appset


def git_appset() -> dict[str, Any]:
    """A git directories generator over the example repository's environments."""
    environments = [
        {"path": "gitops/*"},
        {"path": "gitops/app-of-apps", "exclude": True},
        {"path": "gitops/bootstrap", "exclude": True},
        {"path": "gitops/platform", "exclude": True},
    ]
    return example_directories_set("envs", "chatbot-{{path.basename}}", environments)


async def test_a_dry_run_returns_the_generated_applications_and_writes_nothing(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    admin = await api.admin()
    before = sorted(a.name for a in await api.server.services.store.apps.list())

    answer = await admin.post("/api/v1/applicationsets?dryRun=true", json=git_appset())

    assert answer.status_code == 200, answer.text
    shown = answer.json()
    names = [r["name"] for r in shown["status"]["resources"]]
    assert names == ["chatbot-dev", "chatbot-prod", "chatbot-staging"]
    apps = {a["metadata"]["name"]: a for a in shown["status"]["applications"]}
    assert apps["chatbot-staging"]["spec"]["source"]["path"] == "gitops/staging"
    assert apps["chatbot-staging"]["metadata"]["ownerReferences"][0]["name"] == "envs"
    after = sorted(a.name for a in await api.server.services.store.apps.list())
    assert after == before
    gone = await admin.get("/api/v1/applicationsets/envs")
    assert gone.status_code == 404


async def test_a_template_with_repository_credentials_is_refused_without_echoing_them(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    admin = await api.admin()
    answer = await admin.post("/api/v1/applicationsets?dryRun=true", json=list_appset("s", "dev"))
    assert answer.status_code == 400
    assert "ApplicationSet s" in answer.json()["message"]
    assert "hunter2" not in answer.text


async def test_create_needs_both_applicationsets_and_applications_create(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    policy = tmp_path / "rbac.yaml"
    policy.write_text(POLICY)
    api = await api_factory(rbac_file=policy)
    url = "/api/v1/applicationsets?dryRun=true"
    maker = api.sso("mia@example.com", "makers")
    set_only = api.sso("sol@example.com", "set-only")
    apps_only = api.sso("abe@example.com", "apps-only")

    allowed = await maker.post(url, json=clean_appset("dev-set", "dev"))
    other_project = await maker.post(url, json=clean_appset("prod-set", "prod"))
    no_app_create = await set_only.post(url, json=clean_appset("dev-set", "dev"))
    no_set_create = await apps_only.post(url, json=clean_appset("dev-set", "dev"))

    assert allowed.status_code == 200, allowed.text
    refusal = {"code": "permission_denied", "message": "permission denied"}
    for refused in (other_project, no_app_create, no_set_create):
        assert (refused.status_code, refused.json()) == (403, refusal)


async def test_a_bad_set_is_a_400_naming_the_object_and_field(api_factory: ApiFactory) -> None:
    api = await api_factory()
    admin = await api.admin()
    no_generators = clean_appset("broken", "dev")
    no_generators["spec"]["generators"] = []
    bad_app = clean_appset("bad-app", "dev")
    del bad_app["spec"]["template"]["spec"]["destination"]

    first = await admin.post("/api/v1/applicationsets?dryRun=true", json=no_generators)
    second = await admin.post("/api/v1/applicationsets?dryRun=true", json=bad_app)
    not_json = await admin.post(
        "/api/v1/applicationsets?dryRun=true",
        content=b"[1]",
        headers={"content-type": "application/json"},
    )

    assert first.status_code == 400
    assert "ApplicationSet broken" in first.json()["message"]
    assert "generators" in first.json()["message"]
    assert second.status_code == 400
    assert "ApplicationSet bad-app" in second.json()["message"]
    assert "spec.template" in second.json()["message"]
    assert not_json.status_code == 400


def with_envs(appset: dict[str, Any], *envs: str) -> dict[str, Any]:
    appset["spec"]["generators"] = [{"list": {"elements": [{"env": env} for env in envs]}}]
    appset["spec"]["template"]["metadata"]["name"] = "web-{{env}}"
    return appset


async def generated(api: Any, owner: str) -> dict[str, Any]:
    """The stored apps whose owner reference names ``owner``, by name, with their parent."""
    store = api.server.services.store
    found = {}
    for summary in await store.apps.list():
        record = await store.apps.get(summary.name)
        owners = record.document["metadata"].get("ownerReferences") or []
        if any(o.get("name") == owner for o in owners):
            found[summary.name] = record.parent
    return found


async def test_a_created_set_is_stored_and_its_applications_are_written(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    admin = await api.admin()
    url = "/api/v1/applicationsets"

    created = await admin.post(url, json=with_envs(clean_appset("web", "dev"), "a", "b"))
    again = await admin.post(url, json=with_envs(clean_appset("web", "dev"), "a", "b"))
    differs = await admin.post(url, json=with_envs(clean_appset("web", "dev"), "a"))

    assert created.status_code == 200, created.text
    assert [r["name"] for r in created.json()["status"]["resources"]] == ["web-a", "web-b"]
    assert created.json()["status"]["declaredBy"] == {"app": None, "file": None}
    assert await generated(api, "web") == {"web-a": None, "web-b": None}
    assert again.status_code == 200
    assert differs.status_code == 400
    assert "use upsert flag" in differs.json()["message"]
    listed = (await admin.get(url)).json()["items"]
    assert [s["metadata"]["name"] for s in listed] == ["web"]

    replaced = await admin.post(
        f"{url}?upsert=true", json=with_envs(clean_appset("web", "dev"), "a", "c")
    )
    assert replaced.status_code == 200, replaced.text
    assert await generated(api, "web") == {"web-a": None, "web-c": None}


async def test_deleting_a_set_deletes_the_applications_it_generated(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    admin = await api.admin()
    appset = with_envs(clean_appset("web", "dev"), "a", "b")
    appset["spec"]["syncPolicy"] = {"preserveResourcesOnDeletion": True}
    assert (await admin.post("/api/v1/applicationsets", json=appset)).status_code == 200

    deleted = await admin.delete("/api/v1/applicationsets/web")
    again = await admin.delete("/api/v1/applicationsets/web")

    assert deleted.status_code == 200, deleted.text
    assert await generated(api, "web") == {}
    assert (await admin.get("/api/v1/applicationsets/web")).status_code == 404
    assert again.status_code == 404
    entries = await api.server.services.store.audit.list()
    assert any(e.target == "ApplicationSet web" for e in entries)


async def test_a_set_a_parent_declares_is_neither_replaced_nor_deleted_here(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    await seed_appsets(api, list_appset("declared", "dev"))
    admin = await api.admin()
    replaced = await admin.post(
        "/api/v1/applicationsets?upsert=true", json=clean_appset("declared", "dev")
    )
    deleted = await admin.delete("/api/v1/applicationsets/declared")
    assert (replaced.status_code, deleted.status_code) == (409, 409)
    assert f"declared by application {ROOT}" in deleted.json()["message"]
    assert await api.server.services.store.appsets.get("declared") is None


async def test_deleting_a_set_needs_applicationsets_delete(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    policy = tmp_path / "rbac.yaml"
    policy.write_text(POLICY)
    api = await api_factory(rbac_file=policy)
    maker = api.sso("mia@example.com", "makers")
    created = await maker.post(
        "/api/v1/applicationsets", json=with_envs(clean_appset("web", "dev"), "a")
    )
    assert created.status_code == 200, created.text

    refused = await maker.delete("/api/v1/applicationsets/web")

    assert refused.status_code == 403
    assert await generated(api, "web") == {"web-a": None}


async def test_a_created_set_leaves_an_app_it_did_not_generate_alone(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    admin = await api.admin()
    by_hand = application(
        "web-a",
        repo_url=REPO_URL,
        path="elsewhere",
        revision=None,
        app_namespace="argocd",
        namespace="x",
    )
    app = AppDefinition.of(parse_application(by_hand).value, by_hand, parent=None)
    await api.server.services.store.apps.upsert(app)

    created = await admin.post(
        "/api/v1/applicationsets", json=with_envs(clean_appset("web", "dev"), "a", "b")
    )

    assert created.status_code == 200, created.text
    assert [r["name"] for r in created.json()["status"]["resources"]] == ["web-b"]
    assert "web-a already exist" in " ".join(created.json()["status"]["warnings"])
    kept = await api.server.services.store.apps.get("web-a")
    assert kept is not None and kept.document["spec"]["source"]["path"] == "elsewhere"
    assert (await admin.delete("/api/v1/applicationsets/web")).status_code == 200
    assert await api.server.services.store.apps.get("web-a") is not None


async def test_a_create_only_set_neither_updates_nor_deletes_its_apps(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory()
    admin = await api.admin()
    url = "/api/v1/applicationsets?upsert=true"
    appset = with_envs(clean_appset("web", "dev"), "a", "b")
    appset["spec"]["syncPolicy"] = {"applicationsSync": "create-only"}
    assert (await admin.post(url, json=appset)).status_code == 200
    changed = with_envs(clean_appset("web", "dev"), "a", "c")
    changed["spec"]["syncPolicy"] = {"applicationsSync": "create-only"}
    changed["spec"]["template"]["spec"]["source"]["path"] = "moved"

    answer = await admin.post(url, json=changed)

    assert answer.status_code == 200, answer.text
    assert await generated(api, "web") == {"web-a": None, "web-b": None, "web-c": None}
    kept = await api.server.services.store.apps.get("web-a")
    assert kept is not None and kept.document["spec"]["source"]["path"] == "p"
