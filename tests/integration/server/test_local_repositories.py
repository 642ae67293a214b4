"""Repositories on the server's disk, through a running server (issues 11.3 and 12.3).

An app whose repoURL is a ``file://`` URL or a path is refused by default, on create and when
the controller reads it (an app-of-apps child never passes the API); ``allow_local_repos``
(``--allow-local-repos``) lets repositories under a directory through, but never gitward's own
cache; ``--repo-dir URL=DIR`` / ``GITWARD_REPO_DIRS`` serves a repoURL from a directory however
an Application spells it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Api, ApiFactory

from gitward.model.application import parse_application
from gitward.server.running import ServerConfig
from gitward.settings import Settings
from gitward.store import AppDefinition
from support.applications import application
from support.example import REPO_URL, example_repository


def app(name: str, *repo_urls: str) -> dict[str, Any]:
    """An app of gitops/bootstrap at ``repo_urls`` (one source each; a multi-source app for two)."""
    if len(repo_urls) == 1:
        return application(name, repo_url=repo_urls[0], path="gitops/bootstrap", namespace="dev")
    sources = [
        {"repoURL": url, "targetRevision": "main", "path": "gitops/bootstrap"} for url in repo_urls
    ]
    return application(name, sources=sources, namespace="dev")


async def manifests(api: Api, name: str) -> tuple[int, Any]:
    admin = await api.admin()
    answer = await admin.get(f"/api/v1/applications/{name}/manifests")
    return answer.status_code, answer.json()


@pytest.mark.parametrize("spelling", ["file://{repo}", "file://{repo}/.git", "{repo}", "{repo}/"])
async def test_a_local_repo_url_is_refused_by_default(api: Api, spelling: str) -> None:
    admin = await api.admin()
    url = spelling.format(repo=api.repo)

    answer = await admin.post("/api/v1/applications", json=app("local", url))

    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "Application local: spec.source.repoURL" in message
    assert "--allow-local-repos" in message
    assert await api.server.services.store.apps.get("local") is None


async def test_each_source_is_checked_and_named_by_its_index(api: Api) -> None:
    admin = await api.admin()
    document = app("multi", REPO_URL, f"file://{api.repo}")

    answer = await admin.post("/api/v1/applications", json=document)

    assert answer.status_code == 400
    assert "spec.sources[1].repoURL" in answer.json()["message"]


async def test_an_app_that_never_passed_the_api_is_refused_when_read(api: Api) -> None:
    document = app("child", f"file://{api.repo}")
    definition = AppDefinition.of(parse_application(document).value, document, parent=None)
    await api.server.services.store.apps.upsert_many([definition])

    status, body = await manifests(api, "child")

    assert status == 400
    assert "spec.source.repoURL" in body["message"]
    assert "gitward server's disk" in body["message"]


async def test_an_allowed_directory_lets_its_repositories_render(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    api = await api_factory(allow_local_repos=(tmp_path,))
    admin = await api.admin()

    created = await admin.post("/api/v1/applications", json=app("local", f"file://{api.repo}"))
    status, body = await manifests(api, "local")

    assert created.status_code == 200, created.text
    assert status == 200, body
    kinds = {json.loads(text)["kind"] for text in body["manifests"]}
    assert kinds == {"Namespace"}


async def test_gitwards_own_cache_is_refused_even_under_an_allowed_directory(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    api = await api_factory(allow_local_repos=(tmp_path,))
    admin = await api.admin()
    await manifests(api, "ai-chatbot-dev")  # the mirror of the example now exists in the cache
    mirrors = sorted((tmp_path / "git-cache" / "mirrors").iterdir())
    assert mirrors

    answer = await admin.post("/api/v1/applications", json=app("peek", f"file://{mirrors[0]}"))

    assert answer.status_code == 400
    assert "spec.source.repoURL" in answer.json()["message"]


SPELLINGS = [
    "https://github.com/giridharan-official/ai-chatbot-infra.git",
    "https://github.com/giridharan-official/ai-chatbot-infra",
    "https://github.com/giridharan-official/ai-chatbot-infra/",
    "https://GitHub.com/giridharan-official/ai-chatbot-infra.git",
]


async def test_repo_dirs_from_the_environment_serve_every_spelling_of_the_url(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    served = example_repository(tmp_path / "served")
    env = {"GITWARD_REPO_DIRS": f"{SPELLINGS[1]}={served}", "GITWARD_DATA_DIR": str(tmp_path)}
    config = ServerConfig.from_settings(Settings.from_env(env))
    assert dict(config.local_repos) == {SPELLINGS[1]: served}
    api = await api_factory(local_repos=config.local_repos)
    admin = await api.admin()

    for index, spelling in enumerate(SPELLINGS):
        name = f"spelt-{index}"
        created = await admin.post("/api/v1/applications", json=app(name, spelling))
        status, body = await manifests(api, name)
        assert created.status_code == 200, created.text
        assert status == 200, (spelling, body)
        assert {json.loads(text)["kind"] for text in body["manifests"]} == {"Namespace"}
