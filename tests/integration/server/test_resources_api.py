"""Projects, repositories, clusters, settings, version, health, metrics, the OpenAPI document,
the stream of application changes, and the app details that need a cluster (refused with 503
when none is configured)."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from urllib.parse import quote

import pytest
from conftest import Api, ApiFactory

from gitward.controller.events import AppEvent
from support.example import DEV, PROD

SECRET_PASSWORD = "hunter2-not-to-be-shown"
TOKEN = "bearer-token-not-to-be-shown"


def project(name: str) -> dict[str, object]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name},
        "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": name}]},
    }


async def test_projects_are_created_listed_got_and_deleted(api: Api) -> None:
    admin = await api.admin()
    created = await admin.post("/api/v1/projects", json={"project": project("qa")})
    again = await admin.post("/api/v1/projects", json=project("qa"))
    listed = (await admin.get("/api/v1/projects")).json()["items"]
    got = (await admin.get("/api/v1/projects/qa")).json()
    deleted = await admin.delete("/api/v1/projects/qa")
    gone = await admin.get("/api/v1/projects/qa")
    assert created.status_code == 200 and again.status_code == 409
    assert [item["metadata"]["name"] for item in listed] == ["dev", "prod", "qa", "staging"]
    assert got["spec"]["destinations"] == [{"server": "*", "namespace": "qa"}]
    assert (deleted.status_code, gone.status_code) == (200, 404)


async def test_a_project_apps_still_use_cannot_be_deleted(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.delete("/api/v1/projects/dev")
    assert (answer.status_code, answer.json()["code"]) == (409, "conflict")


async def test_repository_credentials_are_write_only(api: Api) -> None:
    admin = await api.admin()
    body = {"repo": "https://git.example.com/team/app.git", "username": "bot"}
    created = await admin.post("/api/v1/repositories", json={**body, "password": SECRET_PASSWORD})
    listed = await admin.get("/api/v1/repositories")
    assert created.json()["hasCredentials"] is True
    assert SECRET_PASSWORD not in created.text + listed.text
    lookup = api.server.services.repo_credentials.lookup("https://git.example.com/team/app")
    assert lookup is not None and lookup.password == SECRET_PASSWORD
    deleted = await admin.delete(f"/api/v1/repositories/{quote(body['repo'], safe='')}")
    assert deleted.status_code == 200
    assert (await admin.get("/api/v1/repositories")).json() == {"items": []}


async def test_cluster_credentials_are_write_only(api: Api) -> None:
    admin = await api.admin()
    body = {
        "server": "https://k8s.example.com:6443",
        "name": "staging-cluster",
        "config": {"bearerToken": TOKEN, "tlsClientConfig": {"insecure": False}},
    }
    created = await admin.post("/api/v1/clusters", json=body)
    listed = await admin.get("/api/v1/clusters")
    assert created.json()["config"]["hasBearerToken"] is True
    assert TOKEN not in created.text + listed.text
    path = f"/api/v1/clusters/{quote(body['server'], safe='')}"
    assert (await admin.delete(path)).status_code == 200
    assert (await admin.delete(path)).status_code == 404


async def test_a_readonly_group_may_not_add_repositories(api: Api) -> None:
    answer = await api.sso("sam@example.com", "security-team").post(
        "/api/v1/repositories", json={"repo": "https://git.example.com/x.git"}
    )
    assert answer.status_code == 403


async def test_settings_show_nothing_sensitive_and_only_when_logged_in(api: Api) -> None:
    admin = await api.admin()
    settings = (await admin.get("/api/v1/settings")).json()
    assert settings["defaultRole"] == "role:viewer"
    assert "password" not in json.dumps(settings).lower()


async def test_rbac_warnings_are_logged_at_start_and_shown_by_settings(
    api_factory: ApiFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gitward.server.rbac"):
        api = await api_factory()
    admin = await api.admin()

    warnings = (await admin.get("/api/v1/settings")).json()["rbacWarnings"]

    [default_role] = [w for w in warnings if w.startswith("policy.default names 'role:viewer'")]
    assert "the default role grants nothing" in default_role
    logged = [r.getMessage() for r in caplog.records if r.name == "gitward.server.rbac.policy"]
    assert any("argocd-rbac-cm.yaml: policy.default names 'role:viewer'" in line for line in logged)


async def test_version_health_and_docs_answer_anyone(api: Api) -> None:
    client = api.client()
    assert (await client.get("/api/version")).json() == {"Version": "0.1.0"}
    assert (await client.get("/healthz")).text == "ok"
    assert (await client.get("/api/docs")).status_code == 200
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    assert "/api/v1/applications/{name}/sync" in paths
    assert api.server.metrics_url is not None
    metrics = (await client.get(api.server.metrics_url)).text
    assert f'gitward_app_info{{health_status="Unknown",name="{DEV}"' in metrics
    assert "# TYPE gitward_app_condition gauge" in metrics
    assert "gitward_api_request_total" in metrics


async def test_unknown_paths_answer_json(api: Api) -> None:
    answer = await api.client().get("/api/v1/nothing-here")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


async def test_app_details_need_a_cluster_and_say_so(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.get(f"/api/v1/applications/{DEV}/managed-resources")
    assert answer.status_code == 400
    assert "destination" in answer.json()["message"] or "cluster" in answer.json()["message"]


async def test_the_stream_sends_the_app_then_its_changes(api: Api) -> None:
    admin = await api.admin()
    events = api.server.controller.events
    lines: list[dict[str, object]] = []
    async with admin.stream("GET", "/api/v1/stream/applications", params={"name": PROD}) as s:
        async for line in s.aiter_lines():
            if not line.startswith("data: "):
                continue
            lines.append(json.loads(line.removeprefix("data: "))["result"])
            if len(lines) == 1:
                events.publish(AppEvent(app=PROD, kind="status", sync_status="OutOfSync"))
            else:
                break
    assert [(item["type"], item["application"]["metadata"]["name"]) for item in lines] == [
        ("ADDED", PROD),
        ("MODIFIED", PROD),
    ]


async def test_the_stream_keeps_apps_the_caller_may_not_see_to_itself(api: Api) -> None:
    client = api.sso("carol@example.com")
    events = api.server.controller.events
    seen: list[str] = []
    async with client.stream("GET", "/api/v1/stream/applications") as s:
        events.publish(AppEvent(app=PROD, kind="status"))
        events.publish(AppEvent(app=PROD, kind="deleted"))
        api.server.services.closing.set()
        events.publish(AppEvent(app=DEV, kind="status"))
        async for line in s.aiter_lines():
            seen.append(line)
    assert not [line for line in seen if line.startswith("data: ")]


async def test_metrics_carry_each_apps_conditions_as_argocd_app_condition_does(api: Api) -> None:
    store = api.server.services.store
    record = await store.apps.get(PROD)
    assert record is not None
    warning = {"type": "SpecWarning", "message": "spec.syncPolicy.manual: not Argo CD's"}
    await store.apps.set_status(PROD, replace(record.status, conditions=(warning,)))

    assert api.server.metrics_url is not None
    metrics = (await api.client().get(api.server.metrics_url)).text

    assert (
        f'gitward_app_condition{{condition="SpecWarning",name="{PROD}",project="prod"}} 1.0'
        in metrics
    )
    assert f'gitward_app_condition{{condition="SpecWarning",name="{DEV}"' not in metrics
