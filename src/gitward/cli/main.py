"""The ``gitward`` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from gitward.cli import render as render_cmd
from gitward.cli import sandbox as sandbox_cmd

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="gitward keeps Kubernetes clusters where Git says they should be.",
)
app.command("render")(render_cmd.render)
app.command("sandbox")(sandbox_cmd.sandbox)


@app.callback()
def main() -> None:
    """gitward keeps Kubernetes clusters where Git says they should be."""


def run() -> None:
    """Console-script entry point."""
    app()
