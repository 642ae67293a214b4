"""``gitward promote APP --from APP``: move values from one environment to the next, by hand.

A client command, like ``gitward app sync``: the server does the work
(``POST /api/v1/applications/APP/promote``), with its gates (the source Synced and Healthy at
the revision holding the values, unless ``--force``; the target project's semver rule) and the
repository's stored credentials. An automated target gets a commit on its branch; a manual one
(prod) a pushed branch, whose pull-request link and Markdown body (the rendered diff) are
printed for the release manager. It imports nothing heavy: the answer is printed as it comes.
With ``--repo DIR`` it runs with no server (:mod:`gitward.cli.promote_offline`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gitward.cli import output
from gitward.cli.app_requests import app_path
from gitward.cli.app_views import dig, text
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.cli.failing import abort_on
from gitward.cli.output import Format
from gitward.errors import GitwardError

__all__ = ["promote"]


def promote(
    name: Annotated[str, typer.Argument(help="The app to promote into.", show_default=False)],
    source: Annotated[
        str, typer.Option("--from", help="The app whose values are promoted.", show_default=False)
    ],
    keys: Annotated[
        str,
        typer.Option(
            metavar="KEY,...",
            help="Value keys to promote (default: the target's gitward.io/promote-keys).",
        ),
    ] = "",
    force: Annotated[
        bool,
        typer.Option("--force", help="Promote even if the source is not Synced and Healthy."),
    ] = False,
    repo: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Promote with no server, in this clone's origin (needs --force).",
        ),
    ] = None,
    out: Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Promote value keys of one app into another app's value files, through Git."""
    wanted = [key.strip() for key in keys.split(",") if key.strip()]
    if repo is not None:
        answer = _offline(repo, name, source, wanted, force=force)
    else:
        body = {"from": source, "keys": wanted, "force": force}
        with session(server, auth_token) as client:
            answer = client.post(app_path(name, "promote"), body)
    if out in (Format.JSON, Format.YAML):
        output.show_document(answer, out.value)
        return
    sys.stdout.write(shown(answer))


def _offline(repo: Path, name: str, source: str, keys: list[str], *, force: bool) -> Any:
    from gitward.cli.promote_offline import promote_offline  # noqa: PLC0415 - loaded when run

    try:
        return promote_offline(repo, name, source, keys, force=force)
    except GitwardError as error:
        abort_on(error)


def _pull_request(answer: Any) -> list[str]:
    """Where the pull request is: opened by gitward, a page to open it, or the branches."""
    link = text(answer, "pullRequest", "link")
    branch, into = text(answer, "branch"), text(answer, "targetBranch")
    note = text(answer, "pullRequest", "note")
    if dig(answer, "pullRequest", "opened") is True:
        found = [f"Pull request opened: {link}"]
    elif link:
        found = [f"Open the pull request from {branch} into {into}: {link}"]
    else:
        found = [f"Open a pull request from {branch} into {into}."]
    return found + ([f"({note})"] if note else [])


def shown(answer: Any) -> str:
    """The answer for a person: what happened, and for a branch the pull request to open."""
    lines = [text(answer, "message")]
    for change in dig(answer, "changed") or []:
        lines.append(f"  {text(change, 'key')}: {text(change, 'old')} -> {text(change, 'new')}")
    if text(answer, "outcome") == "proposed":
        lines += _pull_request(answer)
        body = text(answer, "pullRequest", "body")
        lines += ["", body] if body else []
    return "\n".join(lines).rstrip("\n") + "\n"
