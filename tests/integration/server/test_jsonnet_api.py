"""A Jsonnet app created over the API: its ``directory.jsonnet`` is kept as written and its
manifests are what the committed Jsonnet evaluates to (issue 16), or a located error."""

from __future__ import annotations

import json
from typing import Any

from conftest import Api

from support.applications import application
from support.example import REPO_URL
from support.repos import git

MAIN = """
function(replicas) [{
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: std.extVar('app') + '-settings' },
  data: { replicas: std.toString(replicas), ns: std.extVar('ns') },
}]
"""

JSONNET = {
    "tlas": [{"name": "replicas", "value": "4", "code": True}],
    "extVars": [
        {"name": "app", "value": "$ARGOCD_APP_NAME"},
        {"name": "ns", "value": "${ARGOCD_APP_NAMESPACE}"},
    ],
    "libs": ["jsonnet-lib"],
}


def jsonnet_app(path: str) -> dict[str, Any]:
    """The settings app rendering ``path`` with the JSONNET options."""
    return application(
        "settings",
        repo_url=REPO_URL,
        path=path,
        source={"directory": {"jsonnet": JSONNET}},
        project="dev",
        namespace="dev",
    )


def commit_jsonnet(api: Api) -> None:
    (api.repo / "jsonnet").mkdir()
    (api.repo / "jsonnet" / "main.jsonnet").write_text(MAIN)
    (api.repo / "escape").mkdir()
    (api.repo / "escape" / "main.jsonnet").write_text("import '/etc/hostname'")
    git(api.repo, "add", "-A")
    git(api.repo, "commit", "-q", "-m", "jsonnet apps")


async def test_a_jsonnet_apps_manifests_are_what_its_jsonnet_evaluates_to(api: Api) -> None:
    commit_jsonnet(api)
    admin = await api.admin()

    created = await admin.post("/api/v1/applications", json=jsonnet_app("jsonnet"))
    answer = await admin.get("/api/v1/applications/settings/manifests")

    assert created.status_code == 200, created.text
    assert created.json()["spec"]["source"]["directory"] == {"jsonnet": JSONNET}
    assert answer.status_code == 200, answer.text
    [text] = answer.json()["manifests"]  # JSON text, as Argo CD's ManifestResponse
    manifest = json.loads(text)
    assert manifest["metadata"] == {"name": "settings-settings", "namespace": "dev"}
    assert manifest["data"] == {"replicas": "4", "ns": "dev"}


async def test_an_escaping_import_is_a_located_error_over_the_api(api: Api) -> None:
    commit_jsonnet(api)
    admin = await api.admin()

    await admin.post("/api/v1/applications", json=jsonnet_app("escape"))
    answer = await admin.get("/api/v1/applications/settings/manifests")

    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message.startswith("escape/main.jsonnet: Application settings:")
    assert "absolute paths are refused" in message
