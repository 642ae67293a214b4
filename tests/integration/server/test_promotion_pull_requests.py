"""A promotion into a manual app opens its pull request through the Git host's API with the
token stored for the repository: a loopback GitHub Enterprise (``--git-host``) that answers the
one documented call and records it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ApiFactory

from gitward.model.application import parse_application
from gitward.store import AppDefinition
from support.example import REPO_URL
from support.repos import git

TOKEN = "ghp-token-never-shown"


class GitHub:
    """Answers ``POST /api/v3/repos/org/infra/pulls`` with 201 and records every request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], Any]] = []
        self.url = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                host.seen.append(("POST", self.path, dict(self.headers), body))
                answer = {"number": 7, "html_url": f"{host.url}/org/infra/pull/7"}
                data = json.dumps(answer).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        return Handler


@pytest.fixture
def github() -> Iterator[GitHub]:
    host = GitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), host.handler())
    host.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


def on_host(path: Path, name: str, repo_url: str) -> dict[str, Any]:
    """The example's Application ``name`` from ``path``, renamed and pointed at ``repo_url``."""
    found = next(d for d in yaml.safe_load_all(path.read_text()) if d["metadata"]["name"] == name)
    found["metadata"]["name"] = name.replace("ai-chatbot", "hosted")
    found["spec"]["project"] = "default"
    found["spec"]["source"]["repoURL"] = repo_url
    return dict(found)


async def test_with_a_stored_token_the_pull_request_is_opened_on_the_host(
    api_factory: ApiFactory, tmp_path: Path, github: GitHub
) -> None:
    repo_url = f"{github.url}/org/infra.git"
    clone = tmp_path / "ai-chatbot-infra"  # where the server's fixture makes the repository
    api = await api_factory(
        git_hosts=(("github", github.url),), local_repos={REPO_URL: clone, repo_url: clone}
    )
    git(clone, "config", "receive.denyCurrentBranch", "updateInstead")
    values = clone / "gitops/dev/values.yaml"
    values.write_text(values.read_text().replace("tag: latest", "tag: v2.0.0", 1))
    git(clone, "commit", "-q", "-am", "ci: backend v2.0.0 in dev")
    env_apps = clone / "gitops/app-of-apps/argocd-env-apps.yaml"
    for name in ("ai-chatbot-dev", "ai-chatbot-prod"):
        document = on_host(env_apps, name, repo_url)
        await api.server.services.store.apps.upsert(
            AppDefinition.of(parse_application(document).value, document)
        )
    admin = await api.admin()
    stored = await admin.post(
        "/api/v1/repositories", json={"repo": repo_url, "username": "rm", "password": TOKEN}
    )
    assert stored.status_code == 200, stored.text

    answer = await admin.post(
        "/api/v1/applications/hosted-prod/promote",
        json={"from": "hosted-dev", "keys": ["backend.image.tag"], "force": True},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["pullRequest"]["opened"] is True
    assert body["pullRequest"]["link"] == f"{github.url}/org/infra/pull/7"
    assert TOKEN not in answer.text
    [(method, path, headers, sent)] = github.seen
    assert (method, path) == ("POST", "/api/v3/repos/org/infra/pulls")
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert (sent["head"], sent["base"]) == (body["branch"], "main")
    assert sent["title"] == "promote: backend.image.tag=v2.0.0 from hosted-dev into hosted-prod"
    assert "| `backend.image.tag` | `v1.0.0` | `v2.0.0` |" in sent["body"]
    assert git(clone, "rev-parse", body["branch"]) == body["commit"]
