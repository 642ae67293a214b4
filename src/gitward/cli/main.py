"""The ``gitward`` command: one Typer app; each command group lives in its own module.

Every command module imported here is light: it declares flags and imports its heavy work (the
server, the controller, the Helm SDK, the sandbox) only when it runs, so ``gitward --help`` and
the client commands start fast (``bench/cli.py``; ``tests/integration/cli/test_cli_imports.py``
fails when one of them loads a heavy module).
"""

from __future__ import annotations

from typing import Annotated

import typer

import gitward
from gitward.cli import accounts, apps, clusters, login, projects, repos
from gitward.cli import demo as demo_cmd
from gitward.cli import render as render_cmd
from gitward.cli import sandbox as sandbox_cmd
from gitward.cli import server as server_cmd
from gitward.cli.helping import PlainHelpGroup

__all__ = ["app", "run"]

app = typer.Typer(
    cls=PlainHelpGroup,
    rich_markup_mode=None,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="gitward keeps Kubernetes clusters where Git says they should be.",
)
app.command("render")(render_cmd.render)
app.command("sandbox")(sandbox_cmd.sandbox)
app.command("server")(server_cmd.server)
app.command("demo")(demo_cmd.demo)
app.command("login")(login.login)
app.command("logout")(login.logout)
app.add_typer(apps.apps)
app.add_typer(projects.projects)
app.add_typer(repos.repos)
app.add_typer(clusters.clusters)
app.add_typer(accounts.accounts)


def _show_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"gitward {gitward.__version__}")
        raise typer.Exit


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print gitward's version and exit.",
        ),
    ] = False,
) -> None:
    """gitward keeps Kubernetes clusters where Git says they should be."""


def run() -> None:
    """Console-script entry point."""
    app()
