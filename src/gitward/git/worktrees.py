"""Local git work trees: which repository a file on this machine belongs to.

``gitward render ./gitops/app-of-apps/root.yaml`` reads Applications whose repoURL is
``https://github.com/org/infra.git``. When the file sits in a clone of that repository, the
Applications can be served from the clone instead of the network. This module finds the clone's
root and its remotes (``git rev-parse --show-toplevel``, ``git remote -v``).

Remote URLs are kept with their userinfo redacted: they are for matching, never for fetching.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitward.git.commands import Git
from gitward.git.urls import same_repo_url
from gitward.redaction import redact_url

__all__ = ["WorkTree", "find_work_tree"]


@dataclass(frozen=True, slots=True)
class WorkTree:
    """A git work tree on this machine and the URLs of its remotes (userinfo redacted)."""

    root: Path
    remotes: tuple[str, ...]

    def has_remote(self, repo_url: str) -> bool:
        """Whether ``repo_url`` names one of this work tree's remotes."""
        return any(same_repo_url(repo_url, remote) for remote in self.remotes)


async def find_work_tree(git: Git, path: Path) -> WorkTree | None:
    """The work tree enclosing ``path`` (a file or a directory), or None outside any."""
    directory = _directory_of(path)
    if directory is None:
        return None
    top = await git.attempt(["rev-parse", "--show-toplevel"], cwd=directory)
    if not top.ok or not top.stdout.strip():
        return None
    root = Path(top.stdout.strip())
    listing = await git.attempt(["remote", "-v"], cwd=root)
    return WorkTree(root=root, remotes=_remote_urls(listing.stdout if listing.ok else ""))


def _directory_of(path: Path) -> Path | None:
    directory = path if path.is_dir() else path.parent
    return directory if directory.is_dir() else None


def _remote_urls(listing: str) -> tuple[str, ...]:
    """Fetch URLs from ``git remote -v`` (``origin\\thttps://...\\t(fetch)``), first seen first."""
    urls: dict[str, None] = {}
    for line in listing.splitlines():
        _, _, rest = line.partition("\t")
        url, _, role = rest.rpartition(" ")
        if url and role == "(fetch)":
            urls.setdefault(redact_url(url), None)
    return tuple(urls)
