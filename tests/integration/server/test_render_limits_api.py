"""The file-count limit of directory sources, set as an operator sets it (issue 11.11): from
``GITWARD_RENDER_MAX_FILES`` through the server's settings to a located refusal over the API."""

from __future__ import annotations

from pathlib import Path

from conftest import ApiFactory

from gitward.server.running import ServerConfig
from gitward.settings import Settings
from support.example import ROOT


async def test_a_directory_with_more_manifest_files_than_allowed_is_refused(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    env = {"GITWARD_RENDER_MAX_FILES": "2", "GITWARD_DATA_DIR": str(tmp_path)}
    limit = ServerConfig.from_settings(Settings.from_env(env)).render_max_files
    api = await api_factory(render_max_files=limit)
    admin = await api.admin()

    answer = await admin.get(f"/api/v1/applications/{ROOT}/manifests")

    assert answer.status_code == 400
    message = answer.json()["message"]
    assert f"Application {ROOT}: spec.source.path" in message
    assert "more than 2 manifest files" in message


async def test_the_default_limit_renders_the_example(api_factory: ApiFactory) -> None:
    api = await api_factory()
    admin = await api.admin()

    answer = await admin.get(f"/api/v1/applications/{ROOT}/manifests")

    assert answer.status_code == 200
    assert len(answer.json()["manifests"]) == 7
