"""The ``gitward`` command: one Typer app; each command group lives in its own module.

The root lists its commands from :data:`COMMANDS` and imports a command's module only when that
command runs (:class:`gitward.cli.commandline.LazyGroup`); command modules in turn import their
heavy work (the server, the controller, the Helm SDK, the sandbox) only when they run. So
``gitward --help`` and the client commands start fast (``bench/cli.py``), and
``tests/integration/cli_client/test_client_imports.py`` fails when one of them loads a heavy
module. A new command is a row of :data:`COMMANDS`.
"""

from __future__ import annotations

from typing import Annotated

import typer

import gitward
from gitward.cli.commandline import LazyCommand, LazyGroup

__all__ = ["COMMANDS", "app", "run"]

COMMANDS = (
    LazyCommand(
        "render",
        "gitward.cli.render",
        "render",
        "Render every application of an app-of-apps tree, with no cluster.",
    ),
    LazyCommand(
        "diff",
        "gitward.cli.previews",
        "diff",
        "Show what a change would deploy, per app and object.",
    ),
    LazyCommand(
        "check",
        "gitward.cli.check",
        "check",
        "Check every app of an app-of-apps tree against the guardrail policies, with no cluster.",
    ),
    LazyCommand(
        "sandbox",
        "gitward.cli.sandbox",
        "sandbox",
        "Run a sandbox Kubernetes cluster, or inject faults into a running one.",
    ),
    LazyCommand(
        "server",
        "gitward.cli.server",
        "server",
        "Serve gitward's API and run its controller until Ctrl-C.",
    ),
    LazyCommand(
        "demo",
        "gitward.cli.demo",
        "demo",
        "Run the ai-chatbot-infra example on a sandbox cluster, with gitward's server.",
    ),
    LazyCommand(
        "login",
        "gitward.cli.login",
        "login",
        "Log in to a gitward server and make it the current context.",
    ),
    LazyCommand(
        "logout",
        "gitward.cli.login",
        "logout",
        "End the session with the server and forget its token.",
    ),
    LazyCommand("app", "gitward.cli.apps", "apps", "Manage applications."),
    LazyCommand("appset", "gitward.cli.appsets", "appsets", "Manage ApplicationSets."),
    LazyCommand("proj", "gitward.cli.projects", "projects", "Manage projects."),
    LazyCommand("repo", "gitward.cli.repos", "repos", "Manage repository connections."),
    LazyCommand("cluster", "gitward.cli.clusters", "clusters", "Manage cluster credentials."),
    LazyCommand("account", "gitward.cli.accounts", "accounts", "Manage local accounts."),
    LazyCommand("values", "gitward.cli.writeback", "values", "Change value files in Git."),
    LazyCommand(
        "promote",
        "gitward.cli.promote",
        "promote",
        "Promote value keys of one app into another app's value files, through Git.",
    ),
)


class _Gitward(LazyGroup):
    lazy = COMMANDS


app = typer.Typer(
    cls=_Gitward,
    rich_markup_mode=None,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="gitward keeps Kubernetes clusters where Git says they should be.",
)


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
