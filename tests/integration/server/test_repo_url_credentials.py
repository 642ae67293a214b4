"""Credentials inside a repoURL never get into the store or an answer: an Application or an
AppProject that carries them is refused (400, naming the field) by create and update, and by
the bootstrap at start; the password is in no answer and in no database file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Api

from gitward.errors import ManifestError
from gitward.server.running import ServerConfig, run_server
from gitward.store import AppDefinition
from support.applications import application
from support.example import DEV, REPO_URL

PASSWORD = "hunter2-secret-in-url"
WITH_CREDENTIALS = REPO_URL.replace("https://", f"https://bot:{PASSWORD}@")


def chatbot_app(name: str, repo_url: str) -> dict[str, Any]:
    """An app of project dev deploying the example's chart from ``repo_url``."""
    return application(
        name, repo_url=repo_url, path="helm/ai-chatbot", project="dev", namespace="dev"
    )


def _database_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in data_dir.glob("gitward.db*"))


async def test_creating_an_app_with_credentials_in_its_repo_url_is_refused(api: Api) -> None:
    admin = await api.admin()
    created = await admin.post("/api/v1/applications", json=chatbot_app("leaky", WITH_CREDENTIALS))
    got = await admin.get("/api/v1/applications/leaky")
    assert (created.status_code, created.json()["code"]) == (400, "invalid_argument")
    assert "spec.source.repoURL" in created.json()["message"]
    assert "carries credentials" in created.json()["message"]
    assert PASSWORD not in created.text
    assert got.status_code == 404


async def test_updating_an_app_to_a_repo_url_with_credentials_is_refused(
    api: Api, tmp_path: Path
) -> None:
    admin = await api.admin()
    current = (await admin.get(f"/api/v1/applications/{DEV}")).json()
    current["spec"]["source"]["repoURL"] = WITH_CREDENTIALS
    updated = await admin.put(f"/api/v1/applications/{DEV}", json=current)
    after = await admin.get(f"/api/v1/applications/{DEV}")
    listed = await admin.get("/api/v1/applications")
    assert (updated.status_code, updated.json()["code"]) == (400, "invalid_argument")
    assert PASSWORD not in updated.text + after.text + listed.text
    assert PASSWORD.encode() not in _database_bytes(tmp_path / "data")


async def test_a_project_with_credentials_in_its_source_repos_is_refused(api: Api) -> None:
    admin = await api.admin()
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "leaky"},
        "spec": {"sourceRepos": [WITH_CREDENTIALS]},
    }
    created = await admin.post("/api/v1/projects", json=document)
    assert (created.status_code, created.json()["code"]) == (400, "invalid_argument")
    assert "spec.sourceRepos[0]" in created.json()["message"]
    assert PASSWORD not in created.text


async def test_a_bootstrap_with_credentials_in_its_repo_url_stops_the_start(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root.yaml"
    root.write_text(yaml.safe_dump(chatbot_app("root", WITH_CREDENTIALS)))
    config = ServerConfig(data_dir=tmp_path / "data", reconcile=False, bootstrap=root)
    with pytest.raises(ManifestError) as caught:
        async with run_server(config):
            pass
    assert caught.value.where.field == "spec.source.repoURL"
    assert PASSWORD not in str(caught.value)
    assert PASSWORD.encode() not in _database_bytes(tmp_path / "data")


async def test_an_app_stored_before_the_rule_shows_its_repo_url_masked(api: Api) -> None:
    """An older gitward stored such apps; every answer masks the credentials."""
    document = chatbot_app("old", WITH_CREDENTIALS)
    definition = AppDefinition(name="old", project="dev", document=document, labels={})
    await api.server.services.store.apps.upsert(definition)
    admin = await api.admin()
    got = await admin.get("/api/v1/applications/old")
    listed = await admin.get("/api/v1/applications", params={"name": "old"})
    assert PASSWORD not in got.text + listed.text
    masked = REPO_URL.replace("https://", "https://******@")
    assert got.json()["spec"]["source"]["repoURL"] == masked
    assert got.json()["status"]["sync"]["comparedTo"]["source"]["repoURL"] == masked
    assert listed.json()["items"][0]["spec"]["source"]["repoURL"] == masked
