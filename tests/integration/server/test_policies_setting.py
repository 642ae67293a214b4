"""Where the server's guardrail policies come from: ``gitward server --policies DIR`` or
``$GITWARD_POLICIES``; a broken policy file stops the server at start, naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app
from gitward.errors import ConfigError
from gitward.server.running import ServerConfig, run_server
from gitward.settings import ControllerSettings, Settings

BROKEN = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: p, validationActions: [Deny, Warn]}
"""


def broken_policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "binding.yaml").write_text(BROKEN)
    return folder


def test_the_environment_names_the_policies_folder() -> None:
    settings = Settings.from_env({"GITWARD_POLICIES": "/etc/gitward/policies"})
    assert settings.controller.policies_dir == Path("/etc/gitward/policies")
    assert Settings.from_env({}).controller.policies_dir is None


async def test_a_broken_policy_file_stops_the_server_naming_file_and_field(
    tmp_path: Path,
) -> None:
    folder = broken_policies(tmp_path)
    config = ServerConfig(
        data_dir=tmp_path / "data",
        reconcile=False,
        controller=ControllerSettings(policies_dir=folder),
    )
    with pytest.raises(ConfigError) as caught:
        async with run_server(config):
            pass
    assert caught.value.message.startswith(
        f"{folder / 'binding.yaml'}: ValidatingAdmissionPolicyBinding b: spec.validationActions: "
        "Deny and Warn may not be used together"
    )


def test_gitward_server_policies_flag_reads_the_folder(tmp_path: Path) -> None:
    folder = broken_policies(tmp_path)
    result = CliRunner().invoke(
        app,
        ["server", "--data-dir", str(tmp_path / "data"), "--port", "0", "--policies", str(folder)],
    )
    assert result.exit_code == 1
    assert "binding.yaml: ValidatingAdmissionPolicyBinding b: spec.validationActions" in (
        result.stderr
    )
