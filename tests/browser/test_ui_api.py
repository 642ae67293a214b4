"""The API the UI stands on, against the running world: permissions as the UI asks for them,
one resource read, restarted and deleted through its app, pod logs, and the login methods. Each
change is refused to a role the policy does not grant, before the cluster is touched."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from ui_world import DEVELOPERS_ONLY, UiWorld

from support.example import REPO_URL
from support.repos import git

DEV = "ai-chatbot-dev"
BACKEND = {
    "group": "apps",
    "kind": "Deployment",
    "namespace": "dev",
    "resourceName": "ai-chatbot-dev-backend",
}
SECRET_VALUE = "hunter2-never-shown"


def client_for(world: UiWorld, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=world.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


@pytest.fixture
def admin(world: UiWorld) -> Iterator[httpx.Client]:
    login = {"username": "admin", "password": world.admin_password}
    token = httpx.post(f"{world.url}/api/v1/session", json=login, timeout=30).json()["token"]
    client = client_for(world, token)
    yield client
    client.close()


@pytest.fixture
def developer(world: UiWorld) -> Iterator[httpx.Client]:
    _, token = world.session_for("dana", DEVELOPERS_ONLY)
    client = client_for(world, token)
    yield client
    client.close()


def until(check: Any, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.2)


def synced(client: httpx.Client, name: str) -> bool:
    answer = client.get(f"/api/v1/applications/{name}")
    if answer.status_code != 200:
        return False
    status = answer.json()["status"]
    return status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"


def test_can_i_answers_as_the_policy_decides(admin: httpx.Client, developer: httpx.Client) -> None:
    assert admin.get("/api/v1/account/can-i/applications/sync/prod/ai-chatbot-prod").json() == {
        "value": "yes"
    }
    assert developer.get("/api/v1/account/can-i/applications/sync/dev/ai-chatbot-dev").json() == {
        "value": "yes"
    }
    assert developer.get("/api/v1/account/can-i/applications/sync/prod/ai-chatbot-prod").json() == {
        "value": "no"
    }
    assert developer.get("/api/v1/account/can-i/logs/get/dev/ai-chatbot-dev").json() == {
        "value": "no"
    }


def test_the_login_page_learns_how_to_log_in_without_a_session(world: UiWorld) -> None:
    answer = httpx.get(f"{world.url}/api/v1/session/methods")
    assert answer.json() == {"password": True, "sso": False}


def test_a_resource_is_read_through_its_app(admin: httpx.Client) -> None:
    until(lambda: synced(admin, DEV))
    answer = admin.get(f"/api/v1/applications/{DEV}/resource", params=BACKEND)
    assert answer.status_code == 200, answer.text
    live = json.loads(answer.json()["manifest"])
    assert (live["kind"], live["metadata"]["name"]) == ("Deployment", "ai-chatbot-dev-backend")


def test_a_resource_outside_the_app_is_not_found(admin: httpx.Client) -> None:
    until(lambda: synced(admin, DEV))
    elsewhere = {**BACKEND, "namespace": "staging", "resourceName": "ai-chatbot-staging-backend"}
    answer = admin.get(f"/api/v1/applications/{DEV}/resource", params=elsewhere)
    assert answer.status_code == 404
    assert "is not a resource of application ai-chatbot-dev" in answer.json()["message"]


def test_secret_values_are_masked_when_a_resource_is_read(
    world: UiWorld, admin: httpx.Client
) -> None:
    folder = world.repo / "secret-demo"
    folder.mkdir(exist_ok=True)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-credentials"},
        "stringData": {"password": SECRET_VALUE},
    }
    (folder / "secret.yaml").write_text(yaml.safe_dump(secret), encoding="utf-8")
    git(world.repo, "add", "-A")
    git(world.repo, "commit", "-q", "-m", "a secret for the masking test")
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "secret-demo", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "secret-demo"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "dev"},
            "syncPolicy": {"automated": {"prune": True}},
        },
    }
    assert admin.post("/api/v1/applications?upsert=true", json=app).status_code == 200
    until(lambda: synced(admin, "secret-demo"))
    key = {"group": "", "kind": "Secret", "namespace": "dev", "resourceName": "db-credentials"}
    answer = admin.get("/api/v1/applications/secret-demo/resource", params=key)
    assert answer.status_code == 200, answer.text
    assert SECRET_VALUE not in answer.text
    assert "aHVudGVy" not in answer.text  # nor its base64
    assert set(json.loads(answer.json()["manifest"])["data"]["password"]) == {"+"}


def test_restart_sets_the_template_annotation(admin: httpx.Client) -> None:
    until(lambda: synced(admin, DEV))
    listed = admin.get(f"/api/v1/applications/{DEV}/resource/actions", params=BACKEND).json()
    assert listed == {"actions": [{"name": "restart", "disabled": False}]}
    ran = admin.post(f"/api/v1/applications/{DEV}/resource/actions", params=BACKEND, json="restart")
    assert ran.status_code == 200, ran.text
    live = json.loads(
        admin.get(f"/api/v1/applications/{DEV}/resource", params=BACKEND).json()["manifest"]
    )
    annotations = live["spec"]["template"]["metadata"].get("annotations", {})
    assert "kubectl.kubernetes.io/restartedAt" in annotations


def test_an_unknown_action_is_refused_with_the_known_ones(admin: httpx.Client) -> None:
    until(lambda: synced(admin, DEV))
    ran = admin.post(f"/api/v1/applications/{DEV}/resource/actions", params=BACKEND, json="explode")
    assert ran.status_code == 400
    assert "its actions: restart" in ran.json()["message"]


def test_a_role_without_the_grant_cannot_act_on_resources(developer: httpx.Client) -> None:
    path = f"/api/v1/applications/{DEV}"
    assert (
        developer.post(f"{path}/resource/actions", params=BACKEND, json="restart").status_code
        == 403
    )
    assert developer.delete(f"{path}/resource", params=BACKEND).status_code == 403
    pod = {"podName": "anything", "namespace": "dev"}
    assert developer.get(f"{path}/logs", params=pod).status_code == 403


def test_deleting_a_resource_removes_it_and_self_heal_brings_it_back(admin: httpx.Client) -> None:
    until(lambda: synced(admin, DEV))
    config = {
        "group": "",
        "kind": "ConfigMap",
        "namespace": "dev",
        "resourceName": "ai-chatbot-dev-app-config",
    }
    before = json.loads(
        admin.get(f"/api/v1/applications/{DEV}/resource", params=config).json()["manifest"]
    )
    deleted = admin.delete(f"/api/v1/applications/{DEV}/resource", params=config)
    assert deleted.status_code == 200, deleted.text

    def recreated() -> bool:
        answer = admin.get(f"/api/v1/applications/{DEV}/resource", params=config)
        if answer.status_code != 200:
            return False
        uid = json.loads(answer.json()["manifest"])["metadata"]["uid"]
        return uid != before["metadata"]["uid"]

    until(recreated)


def test_a_revision_has_its_author_date_and_message(world: UiWorld, admin: httpx.Client) -> None:
    sha = git(world.repo, "rev-list", "--max-parents=0", "HEAD")
    answer = admin.get(f"/api/v1/applications/{DEV}/revisions/{sha}/metadata")
    assert answer.status_code == 200, answer.text
    meta = answer.json()
    assert meta["author"] == "CI <ci@example.com>"
    assert meta["message"] == "ai-chatbot-infra, as in the strategy document"
    assert meta["date"].startswith("20")
    other = admin.get(f"/api/v1/applications/{DEV}/revisions/{sha}/metadata?sourceIndex=3")
    assert other.status_code == 400


def test_a_pods_log_is_read_through_its_app(admin: httpx.Client) -> None:
    until(lambda: synced(admin, DEV))
    nodes = admin.get(f"/api/v1/applications/{DEV}/resource-tree").json()["nodes"]
    pod = next(
        n["name"] for n in nodes if n["kind"] == "Pod" and n["name"].startswith(f"{DEV}-backend-")
    )
    answer = admin.get(
        f"/api/v1/applications/{DEV}/logs", params={"podName": pod, "namespace": "dev"}
    )
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line)["result"] for line in answer.text.splitlines()]
    assert lines[-1]["last"] is True
    contents = [line["content"] for line in lines[:-1]]
    assert contents[0].startswith("INFO  starting backend from image ")
    assert contents[-1] == "INFO  ready to serve requests"
