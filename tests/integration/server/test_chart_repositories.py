"""Charts from a chart repository through the server: a repository on a loopback address is
refused unless the operator allowed private chart repositories, and a repository registered
with credentials through the API is read with them, which no answer ever shows."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
from conftest import ApiFactory

from support.applications import application

PASSWORD = "chart-repo-s3cret"
TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    "data:\n  version: {{ .Chart.Version }}\n"
)


class _Guarded(SimpleHTTPRequestHandler):
    expected = "Basic " + base64.b64encode(f"ci:{PASSWORD}".encode()).decode()

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def chart_repo(tmp_path: Path) -> Iterator[str]:
    """A chart repository on 127.0.0.1 serving ``web`` 1.0.0 to user ``ci`` only."""
    chart = tmp_path / "src" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    (chart / "templates" / "cm.yaml").write_text(TEMPLATE)
    served = tmp_path / "served"
    helm.package(chart, destination=served)
    helm.repo_index_generate(served)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Guarded, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def documents(repo_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    project = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "charts"},
        "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}]},
    }
    app = application(
        "web", repo_url=repo_url, revision="^1", source={"chart": "web"}, project="charts"
    )
    return project, app


async def test_a_loopback_chart_repository_is_refused_unless_the_operator_allows_it(
    api_factory: ApiFactory, chart_repo: str
) -> None:
    api = await api_factory()
    admin = await api.admin()
    project, app = documents(chart_repo)
    assert (await admin.post("/api/v1/projects", json=project)).status_code == 200
    assert (await admin.post("/api/v1/applications", json=app)).status_code == 200
    answer = await admin.get("/api/v1/applications/web/manifests")
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "Application web: spec.source" in message
    assert "non-public address 127.0.0.1" in message
    assert "--allow-private-chart-repos" in message


async def test_a_chart_repository_registered_with_credentials_is_read_with_them(
    api_factory: ApiFactory, chart_repo: str
) -> None:
    api = await api_factory(allow_private_chart_repos=True)
    admin = await api.admin()
    project, app = documents(chart_repo)
    await admin.post("/api/v1/projects", json=project)
    await admin.post("/api/v1/applications", json=app)
    refused = await admin.get("/api/v1/applications/web/manifests")
    registered = await admin.post(
        "/api/v1/repositories",
        json={"repo": chart_repo, "type": "helm", "username": "ci", "password": PASSWORD},
    )
    answer = await admin.get("/api/v1/applications/web/manifests")
    listed = await admin.get("/api/v1/repositories")

    assert refused.status_code == 400
    assert "refused the credentials" in refused.json()["message"]
    assert registered.status_code == 200, registered.text
    assert answer.status_code == 200, answer.text
    [manifest] = [json.loads(text) for text in answer.json()["manifests"]]
    assert manifest["metadata"]["name"] == "web" and manifest["data"] == {"version": "1.0.0"}
    assert PASSWORD not in refused.text + registered.text + answer.text + listed.text
