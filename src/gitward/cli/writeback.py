"""``gitward values set``: CI's image-tag write-back, done on YAML keys instead of ``sed``.

Sets keys of a value file, changing only those values' bytes, then (``--commit``) commits with a
conventional message and trailers and (``--push``) pushes, re-applying the edit on the new head
when another writer pushed first. The work is :mod:`gitward.delivery`'s; this module parses the
command line and prints. It imports the delivery package only when the command runs, so
``gitward --help`` and other commands do not pay for the YAML libraries.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gitward.cli.failing import abort_on
from gitward.errors import GitwardError

if TYPE_CHECKING:
    from gitward.delivery.writeback import WriteBackResult

__all__ = ["values"]

values = typer.Typer(name="values", help="Change value files in Git.", no_args_is_help=True)


@values.command("set")
def set_values(
    file: Annotated[
        Path, typer.Argument(help="The YAML value file (here, or inside --repo's clone).")
    ],
    assignments: Annotated[
        list[str], typer.Argument(metavar="KEY=VALUE...", help="e.g. backend.image.tag=abc123")
    ],
    repo: Annotated[
        Path | None, typer.Option(help="The git work tree (default: the file's).")
    ] = None,
    commit: Annotated[bool, typer.Option("--commit", help="Commit the change.")] = False,
    push: Annotated[
        bool, typer.Option("--push", help="Commit and push, retrying when others pushed first.")
    ] = False,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="The commit's subject line.")
    ] = None,
    create: Annotated[bool, typer.Option("--create", help="Add keys that do not exist.")] = False,
    ci_run: Annotated[
        str | None,
        typer.Option(help="The CI run's URL for the trailer (default: from GitHub Actions)."),
    ] = None,
    remote: Annotated[str | None, typer.Option(help="Push here (default: the branch's).")] = None,
    branch: Annotated[str | None, typer.Option(help="Push this branch (default: HEAD's).")] = None,
    attempts: Annotated[int, typer.Option(min=1, help="Push attempts at most.")] = 20,
) -> None:
    """Set KEY=VALUE in a YAML file, touching nothing else; optionally commit and push."""
    from gitward.delivery import editing, messages, writeback  # noqa: PLC0415 - loaded when run

    if repo is not None and not file.is_absolute() and not file.exists():
        file = repo / file  # a path inside the clone named by --repo
    try:
        request = writeback.WriteBack(
            file=file,
            assignments=tuple(editing.parse_assignment(text) for text in assignments),
            repo=repo,
            create=create,
            commit=commit or push,
            push=push,
            subject=message,
            ci_run=messages.ci_run_url(ci_run, os.environ),
            remote=remote,
            branch=branch,
            attempts=attempts,
        )
        result = asyncio.run(writeback.write_back(request))
    except GitwardError as error:
        abort_on(error)
    typer.echo(_report(result, [text.partition("=")[0] for text in assignments]))


def _report(result: WriteBackResult, keys: list[str]) -> str:
    if not result.changed:
        return f"{', '.join(keys)} already set in {result.path}: nothing to change or commit"
    lines = [
        f"set {item.key}={item.new} in {result.path}"
        + (" (new key)" if item.old is None else f" (was {item.old})")
        for item in result.changed
    ]
    if result.commit:
        lines.append(f"committed {result.commit[:12]}")
    if result.pushed_to:
        tries = "" if result.attempts == 1 else f" after {result.attempts} attempts"
        lines.append(f"pushed to {result.pushed_to}{tries}")
    return "\n".join(lines)
