"""The options the offline tree commands share (``render``, ``check``, ``diff``): the root
Application file, local repositories in place of remote ones, and the git cache. One declaration,
so the commands take them alike (the cache directory's ``GITWARD_CACHE_DIR`` included)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["CacheDir", "RepoDirs", "RootAppFile"]

RootAppFile = Annotated[Path, typer.Argument(help="A file holding the root Application.")]

RepoDirs = Annotated[
    list[str] | None,
    typer.Option(
        "--repo",
        metavar="URL=DIR",
        help="Serve repoURL URL from directory DIR as it is on disk (repeatable).",
    ),
]

CacheDir = Annotated[
    Path | None,
    typer.Option(
        envvar="GITWARD_CACHE_DIR",
        help="Where the git mirrors and checkouts of remote repositories are kept.",
        show_default="$XDG_CACHE_HOME/gitward or ~/.cache/gitward",
    ),
]
