"""``gitward server`` and ``gitward demo`` as a person starts them: a port in use is one error
line and changes nothing (the next start still makes admin and prints its password), every flag
is also a ``GITWARD_*`` variable that ``--help`` shows with its default, ``$KUBECONFIG`` is
read, and the demo always prints an admin password that logs in, even when the one it kept was
lost or changed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitward.cli.demo import PASSWORD_FILE, remember_password
from gitward.cli.main import COMMANDS, app
from gitward.cli.server import first_kubeconfig
from gitward.errors import ConfigError
from gitward.server.auth.config import ADMIN
from gitward.server.running import ServerConfig, run_server
from support.processes import run_gitward


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def gitward(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_gitward(args, env)


def test_a_port_in_use_is_one_line_and_leaves_the_data_directory_untouched(
    taken_port: int, tmp_path: Path
) -> None:
    data = tmp_path / "data"

    done = gitward("server", "--port", str(taken_port), "--data-dir", str(data))

    assert done.returncode == 1
    assert done.stderr == (
        f"error: 127.0.0.1:{taken_port}: the port is in use by another program (another "
        "gitward?). Stop it, or choose another port with --port (GITWARD_PORT); 0 picks a "
        "free one\n"
    )
    assert not data.exists()  # no database, no admin made: the next start prints a password


def test_the_demo_on_a_port_in_use_is_one_line_before_any_work(
    taken_port: int, tmp_path: Path
) -> None:
    done = gitward("demo", "--port", str(taken_port), "--data-dir", str(tmp_path / "demo"))

    assert done.returncode == 1
    assert done.stderr.startswith(f"error: 127.0.0.1:{taken_port}: the port is in use")
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "demo").exists()


def test_every_server_flag_but_the_reset_action_names_its_variable_in_help() -> None:
    result = CliRunner().invoke(app, ["server", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    options = re.findall(r"^  (--[a-z-]+)", result.output, flags=re.MULTILINE)
    assert len(options) >= 12
    for line in result.output.split("\n  --")[1:]:
        flag = line.split()[0]
        if flag not in {"reset-admin-password", "help"}:
            assert "[env var: GITWARD_" in " ".join(line.split()), flag
    shown = " ".join(result.output.split())
    assert "[env var: GITWARD_KUBECONFIG, KUBECONFIG;" in shown
    assert "[env var: GITWARD_PORT; default: 8080; 0<=x<=65535]" in shown
    assert "default: (" not in shown


def test_the_kubeconfig_comes_from_kubeconfig_when_no_flag_or_gitward_variable_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.write_text("apiVersion: v1\nkind: Config\n")
    monkeypatch.delenv("GITWARD_KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}{os.pathsep}{real}")
    server = next(entry for entry in COMMANDS if entry.name == "server").load()

    context = server.make_context("server", [])

    assert first_kubeconfig(context.params["kubeconfig"]) == real


async def test_the_demo_prints_a_password_that_logs_in_even_when_the_kept_one_is_lost_or_changed(
    tmp_path: Path,
) -> None:
    kept = tmp_path / PASSWORD_FILE
    async with run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as first:
        made = await remember_password(tmp_path, first)
    assert made == first.admin_password == kept.read_text().strip()

    async with run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as again:
        assert again.admin_password is None
        assert await remember_password(tmp_path, again) == made  # kept, and it still works
        kept.unlink()
        renewed = await remember_password(tmp_path, again)
        assert renewed != made
        assert await again.services.authenticator.password_matches(ADMIN, renewed)
        assert kept.read_text().strip() == renewed
        await again.services.authenticator.reset_password(ADMIN)  # changed behind its back
        changed = await remember_password(tmp_path, again)
        assert changed != renewed
        assert await again.services.authenticator.password_matches(ADMIN, changed)


async def test_a_start_that_fails_makes_no_admin_so_the_next_start_prints_its_password(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="cannot read the RBAC policy"):
        async with run_server(
            ServerConfig(data_dir=tmp_path, reconcile=False, rbac_file=tmp_path / "missing.csv")
        ):
            pass

    async with run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as server:
        assert server.admin_password is not None


def test_unusable_tls_files_or_data_directory_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    tls = gitward(
        "server", "--port", "0", "--data-dir", str(tmp_path / "d"),
        "--tls-cert", str(bad), "--tls-key", str(bad),
    )  # fmt: skip
    blocked = tmp_path / "file"
    blocked.write_text("")
    data = gitward("server", "--port", "0", "--data-dir", str(blocked / "data"))

    assert tls.returncode == 1
    assert tls.stderr.startswith(f"error: {bad}, {bad}: cannot use the TLS certificate and key")
    assert not (tmp_path / "d").exists()
    assert data.returncode == 1
    assert data.stderr.startswith(f"error: {blocked / 'data'}: cannot make the data directory")
    assert len(tls.stderr.splitlines()) == len(data.stderr.splitlines()) == 1
