"""The options the offline tree commands share (``render``, ``check``, ``diff``): the root
Application file, local repositories (git and Helm) in place of remote ones, and the cache. One
declaration, so the commands take them alike (the cache directory's ``GITWARD_CACHE_DIR``
included)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gitward.errors import UsageError

__all__ = ["CacheDir", "HelmRepoDirs", "RepoDirs", "RootAppFile", "parse_helm_repos"]

RootAppFile = Annotated[Path, typer.Argument(help="A file holding the root Application.")]

RepoDirs = Annotated[
    list[str] | None,
    typer.Option(
        "--repo",
        metavar="URL=DIR",
        help="Serve repoURL URL from directory DIR as it is on disk (repeatable).",
    ),
]

HelmRepoDirs = Annotated[
    list[str] | None,
    typer.Option(
        "--helm-repo",
        metavar="URL=DIR",
        help="Serve Helm chart repository (or OCI registry) URL from DIR, a directory of chart "
        "archives or chart directories (repeatable).",
    ),
]


def parse_helm_repos(texts: list[str] | None) -> dict[str, Path]:
    """``--helm-repo URL=DIR`` pairs; DIR must be a directory."""
    found: dict[str, Path] = {}
    for text in texts or []:
        url, separator, directory = text.partition("=")
        path = Path(directory).expanduser()
        if not separator or not url or not directory:
            raise UsageError(
                f"--helm-repo {text!r} is not URL=DIR",
                hint="Write --helm-repo https://charts.bitnami.com/bitnami=./charts",
            )
        if not path.is_dir():
            raise UsageError(f"--helm-repo {text!r}: {directory} is not a directory")
        found[url] = path.resolve()
    return found


CacheDir = Annotated[
    Path | None,
    typer.Option(
        envvar="GITWARD_CACHE_DIR",
        help="Where the git mirrors and checkouts of remote repositories are kept.",
        show_default="$XDG_CACHE_HOME/gitward or ~/.cache/gitward",
    ),
]
