"""The ``gitward`` CLI pointed at a world's server through a config file of its own (Typer's
runner, in the test's thread), and an admin API client for setting the scene, as a user's
terminal has them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from gitward.cli.main import app as cli
from support.api import admin_client
from support.serving import ServerThread


@dataclass
class CliWorld:
    """The server, its repository, and the CLI with its own config file."""

    tmp: Path
    server: ServerThread
    repo: Path
    config_file: Path
    env: dict[str, str] = field(default_factory=dict)
    """Environment every ``run`` adds (a test's own)."""

    @property
    def url(self) -> str:
        return self.server.url

    def run(self, *args: str, input: str | None = None, **env: str) -> Result:
        """``gitward ARGS`` through Typer's runner, with this world's config file (and neither
        a server nor a token from the environment)."""
        environment = {
            "GITWARD_CONFIG": str(self.config_file),
            "GITWARD_SERVER": "",
            "GITWARD_AUTH_TOKEN": "",
            **self.env,
            **env,
        }
        return CliRunner().invoke(cli, list(args), input=input, env=environment)

    def login(self) -> Result:
        """``gitward login`` as admin; the CLI keeps the session in its config file."""
        password = self.server.admin_password
        result = self.run(
            "login", self.url, "--username", "admin", "--password", password, "--insecure"
        )
        assert result.exit_code == 0, result.output
        return result

    def api(self) -> httpx.Client:
        """An API client logged in as admin."""
        return admin_client(self.url, self.server.admin_password)
