"""Which repositories on this machine an Application may name as its repoURL.

A repoURL of ``file:///…`` or a plain path makes git read the server's own disk: any repository
there, including gitward's mirrors of other (possibly private) repositories. So the server
refuses such URLs unless its operator allowed a directory that holds them
(``--allow-local-repos DIR``); gitward's own cache is refused even then. ``gitward render``, run
by a user on their own machine, allows any. A repoURL mapped to a directory by the operator
(``--repo-dir URL=DIR``) is served from that directory and never reaches this check.

It only judges URLs and paths: it must not run git or read files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gitward.errors import ConfigError, Location
from gitward.git.urls import is_local_url, local_url_path
from gitward.redaction import redact_url

__all__ = ["LocalRepoPolicy"]

_USE_REMOTE = (
    "Name the repository by its remote URL (https:// or ssh). A gitward operator can serve a "
    "directory for a repoURL (gitward server --repo-dir URL=DIR) or allow local repositories "
    "under a directory (--allow-local-repos DIR)"
)


@dataclass(frozen=True, slots=True)
class LocalRepoPolicy:
    """``allowed``: directories whose repositories may be named by path or ``file://`` URL
    (None: anywhere, as for ``gitward render``); ``forbidden``: never, even inside them."""

    allowed: tuple[Path, ...] | None = None
    forbidden: tuple[Path, ...] = ()

    def check(self, repo_url: str, *, where: Location | None = None) -> None:
        """Raise a :class:`ConfigError` naming the repoURL field when it may not be read."""
        if not is_local_url(repo_url):
            return
        path = _real(local_url_path(repo_url))
        shown = redact_url(repo_url)
        if len(shown) > 200:
            shown = f"{shown[:200]}…"
        field = _repo_url_field(where)
        if path is None or any(_within(path, _real_dir(d)) for d in self.forbidden):
            raise ConfigError(
                f"{shown} is a repository on the gitward server's disk that Applications may "
                "not read",
                where=field,
                hint=_USE_REMOTE,
            )
        if self.allowed is None:
            return
        if not any(_within(path, _real_dir(d)) for d in self.allowed):
            raise ConfigError(
                f"{shown} is a repository on the gitward server's disk; local repositories are "
                + (
                    "refused unless the operator allows their directory"
                    if not self.allowed
                    else "allowed only under "
                    + ", ".join(str(directory) for directory in self.allowed)
                ),
                where=field,
                hint=_USE_REMOTE,
            )


def _real(text: str) -> Path | None:
    """The real path ``text`` names (relative to the working directory, as git reads it);
    None when it cannot be a path at all (NUL bytes, too long)."""
    if "\x00" in text:
        return None
    try:
        return Path(os.path.realpath(text))
    except (OSError, ValueError):
        return None


def _real_dir(directory: Path) -> Path:
    return Path(os.path.realpath(directory))


def _within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def _repo_url_field(where: Location | None) -> Location:
    if where is None:
        return Location(field="repoURL")
    if where.field and not where.field.endswith("repoURL"):
        return where.at(f"{where.field}.repoURL")
    return where
