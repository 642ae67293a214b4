"""``gitward server --settings FILE`` (and ``GITWARD_SETTINGS``) as an operator starts it: a bad
file stops the start with a message naming the file and the key, and no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from support.processes import run_gitward, server_args

BAD = """apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
data:
  timeout.reconciliation: every now and then
"""


def start(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``gitward server`` keeping its data in ``tmp_path``, run until it stops."""
    return run_gitward(server_args(tmp_path, *args), env)


def test_a_bad_settings_file_stops_the_server_naming_the_file_and_the_key(tmp_path: Path) -> None:
    settings = tmp_path / "argocd-cm.yaml"
    settings.write_text(BAD)
    done = start(tmp_path, "--settings", str(settings))
    assert done.returncode == 1
    assert str(settings) in done.stderr
    assert "data[timeout.reconciliation]" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was made


def test_the_settings_file_may_come_from_gitward_settings(tmp_path: Path) -> None:
    settings = tmp_path / "argocd-cm.yaml"
    settings.write_text(BAD)
    done = start(tmp_path, env={"GITWARD_SETTINGS": str(settings)})
    assert done.returncode == 1
    assert "data[timeout.reconciliation]" in done.stderr
