"""``gitward server --notifications`` (and ``GITWARD_NOTIFICATIONS``): a malformed
argocd-notifications-cm stops the server in one line naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gitward.cli.main import app


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "argocd-notifications-cm.yaml"
    data = {"trigger.on-x": "- when: app.status ==\n  send: [t]\n"}
    path.write_text(yaml.safe_dump({"kind": "ConfigMap", "data": data}))
    return path


@pytest.mark.parametrize("by_env", [False, True])
def test_a_malformed_notifications_configmap_stops_the_server_in_one_line(
    tmp_path: Path, broken: Path, by_env: bool
) -> None:
    args = ["server", "--data-dir", str(tmp_path / "data"), "--port", "0"]
    env = {"GITWARD_NOTIFICATIONS": str(broken)} if by_env else {}
    if not by_env:
        args += ["--notifications", str(broken)]

    result = CliRunner().invoke(app, args, env=env)

    assert result.exit_code != 0
    assert f"{broken}: ConfigMap argocd-notifications-cm: data[trigger.on-x][0].when" in (
        result.output
    )
    assert "Traceback" not in result.output
