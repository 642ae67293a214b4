"""Repository credentials for the git port, kept in memory from the store.

The git layer asks for credentials synchronously (``Repositories(credentials=lookup)``) while
the store is async, so the server loads every stored repository's credentials at start and
again whenever the API changes a repository. Values stay in this process's memory only; the
repr shows how many are held, never what.
"""

from __future__ import annotations

from gitward.git import normalize_repo_url
from gitward.git.credentials import Credentials as GitCredentials
from gitward.store import Credentials, Store

__all__ = ["RepoCredentials"]


class RepoCredentials:
    """``lookup(url)``: the credentials stored for a repository, or None."""

    def __init__(self) -> None:
        self._by_url: dict[str, GitCredentials] = {}

    def __repr__(self) -> str:
        return f"RepoCredentials({len(self._by_url)} repositories)"

    def lookup(self, url: str) -> GitCredentials | None:
        return self._by_url.get(normalize_repo_url(url))

    async def reload(self, store: Store) -> None:
        """Read every stored repository's credentials again."""
        found: dict[str, GitCredentials] = {}
        for repo in await store.repos.list():
            stored = await store.repos.credentials_for(repo.url)
            if stored is not None and (stored.username or stored.secrets()):
                found[normalize_repo_url(repo.url)] = _for_git(stored, insecure=repo.insecure)
        self._by_url = found


def _for_git(stored: Credentials, *, insecure: bool) -> GitCredentials:
    return GitCredentials(
        username=stored.username or None,
        password=stored.password or None,
        ssh_private_key=stored.ssh_private_key or None,
        insecure_ignore_host_key=insecure,
    )
