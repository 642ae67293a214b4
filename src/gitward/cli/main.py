"""The ``gitward`` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from gitward.cli import accounts, apps, clusters, login, projects, repos
from gitward.cli import check as check_cmd
from gitward.cli import demo as demo_cmd
from gitward.cli import render as render_cmd
from gitward.cli import sandbox as sandbox_cmd
from gitward.cli import server as server_cmd

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="gitward keeps Kubernetes clusters where Git says they should be.",
)
app.command("render")(render_cmd.render)
app.command("check")(check_cmd.check)
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


@app.callback()
def main() -> None:
    """gitward keeps Kubernetes clusters where Git says they should be."""


def run() -> None:
    """Console-script entry point."""
    app()
