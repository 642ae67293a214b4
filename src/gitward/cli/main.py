"""The ``gitward`` command: one Typer app, one sub-app per command group."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.callback()
def main() -> None:
    """gitward keeps Kubernetes clusters where Git says they should be."""


def run() -> None:
    """Console-script entry point."""
    app()
