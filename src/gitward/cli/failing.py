"""The one way a command fails: one clear line on stderr, no traceback, a meaningful exit code.

Exit codes: 1 when the work failed (an app did not render, a sync failed), 2 when the command
line asks for something impossible (Typer's own usage errors use 2 as well).
"""

from __future__ import annotations

from typing import NoReturn

import typer

from gitward.errors import GitwardError, UsageError
from gitward.redaction import redact

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "abort", "abort_on"]

EXIT_FAILED = 1
EXIT_USAGE = 2


def abort(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code``."""
    typer.echo(f"error: {redact(message)}", err=True)
    raise typer.Exit(code)


def abort_on(error: GitwardError) -> NoReturn:
    """Exit for a gitward error: usage errors with 2, everything else with 1."""
    abort(error.message, EXIT_USAGE if isinstance(error, UsageError) else EXIT_FAILED)
