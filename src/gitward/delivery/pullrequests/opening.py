"""Open a pull request through the Git host's API, or find the one already open.

The one entry point, :func:`open_pull_request`, recognises the host from the repoURL (GitHub or
GitLab, see ``hosts``), calls its API (``github`` and ``gitlab`` list exactly which calls) at
the host's default API root or at ``api_url``, and returns the pull request's page and number.
Calling it twice for the same branch returns the same pull request. The HTTP client is the
seam: tests and callers may pass their own ``httpx.AsyncClient`` (its timeouts apply; it is left
open); one made here waits at most 5 s to connect and 10 s to read and is closed on return.
Redirects are never followed, whatever the client says.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

import httpx

from gitward.delivery.pullrequests.calls import TIMEOUT, Api
from gitward.delivery.pullrequests.failures import GitHostRefusedError
from gitward.delivery.pullrequests.github import github_headers, open_on_github
from gitward.delivery.pullrequests.gitlab import gitlab_headers, open_on_gitlab
from gitward.delivery.pullrequests.hosts import GitHosts, HostKind, host_of
from gitward.delivery.pullrequests.links import PullRequest, PullRequestLink
from gitward.delivery.pullrequests.proposing import RETRY_DELAYS_S
from gitward.errors import Location
from gitward.redaction import redact_url

__all__ = ["open_pull_request"]

_HINT = (
    "Open the pull request by hand, or name the host in GITWARD_GIT_HOSTS "
    "(github=https://HOST or gitlab=https://HOST)"
)


async def open_pull_request(
    request: PullRequest,
    token: str,
    *,
    api_url: str | None = None,
    client: httpx.AsyncClient | None = None,
    hosts: GitHosts | None = None,
    retry_delays: Sequence[float] = RETRY_DELAYS_S,
) -> PullRequestLink:
    """Open ``request`` on its Git host with ``token`` (or return the one already open for
    its source branch); ``api_url`` replaces the host's API root (``https://HOST/api/v3`` for
    GitHub Enterprise, ``https://HOST/api/v4`` for GitLab)."""
    host = host_of(request.repo_url, hosts)
    where = Location(obj=f"repository {redact_url(request.repo_url)}")
    if host is None:
        raise GitHostRefusedError(
            "gitward knows no GitHub or GitLab project at this address", where=where, hint=_HINT
        )
    if not token:
        raise GitHostRefusedError(
            f"no token to call {host.kind.label}'s API with",
            where=where,
            hint="Store one as the repository's password (gitward repo add URL --password)",
        )
    headers = github_headers(token) if host.kind is HostKind.GITHUB else gitlab_headers(token)
    async with _client(client) as http:
        api = Api(host, api_url or host.api_url, http, headers, token, tuple(retry_delays))
        if host.kind is HostKind.GITHUB:
            return await open_on_github(api, request)
        return await open_on_gitlab(api, request)


@contextlib.asynccontextmanager
async def _client(given: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    if given is not None:
        yield given
        return
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as made:
        yield made
