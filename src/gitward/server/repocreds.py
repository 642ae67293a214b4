"""Repository credentials for the git and chart ports, kept in memory from the store.

The git layer asks for credentials synchronously (``Repositories(credentials=lookup)``), and so
does the chart port (``ChartRepositories(credentials=chart_lookup)``), while the store is
async, so the server loads every stored repository's credentials at start and again whenever
the API changes a repository. Values stay in this process's memory only; the
repr shows how many are held, never what.
"""

from __future__ import annotations

from gitward.charts import ChartAccess
from gitward.charts.repositories import repo_key
from gitward.git import normalize_repo_url
from gitward.git.credentials import Credentials as GitCredentials
from gitward.store import Credentials, Store

__all__ = ["RepoCredentials"]


class RepoCredentials:
    """``lookup(url)``: the credentials stored for a repository, or None."""

    def __init__(self) -> None:
        self._by_url: dict[str, GitCredentials] = {}
        self._charts: dict[str, ChartAccess] = {}

    def __repr__(self) -> str:
        return f"RepoCredentials({len(self._by_url)} repositories)"

    def lookup(self, url: str) -> GitCredentials | None:
        return self._by_url.get(normalize_repo_url(url))

    def chart_lookup(self, url: str) -> ChartAccess | None:
        """How to reach a chart repository or OCI registry, as stored for its URL."""
        return self._charts.get(repo_key(url))

    async def reload(self, store: Store) -> None:
        """Read every stored repository's credentials again."""
        found: dict[str, GitCredentials] = {}
        charts: dict[str, ChartAccess] = {}
        for repo in await store.repos.list():
            stored = await store.repos.credentials_for(repo.url)
            if stored is not None and (stored.username or stored.secrets()):
                found[normalize_repo_url(repo.url)] = _for_git(stored, insecure=repo.insecure)
            if repo.type in ("helm", "oci") or repo.insecure:
                charts[repo_key(repo.url)] = _for_charts(stored, insecure=repo.insecure)
        self._by_url = found
        self._charts = charts


def _for_git(stored: Credentials, *, insecure: bool) -> GitCredentials:
    return GitCredentials(
        username=stored.username or None,
        password=stored.password or None,
        ssh_private_key=stored.ssh_private_key or None,
        insecure_ignore_host_key=insecure,
    )


def _for_charts(stored: Credentials | None, *, insecure: bool) -> ChartAccess:
    if stored is None:
        return ChartAccess(insecure=insecure)
    return ChartAccess(
        username=stored.username,
        password=stored.password,
        bearer_token=stored.bearer_token,
        ca_data=stored.ca_data,
        insecure=insecure,
    )
