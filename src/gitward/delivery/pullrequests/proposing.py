"""What a promotion hands the release manager: the pull request opened on the host when a token
allows it, else the page where a person opens it.

The HTTP client (``opening``, over ``httpx``) is imported only when a call is made, so printing
a link costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gitward.delivery.pullrequests.hosts import GitHosts, host_of
from gitward.delivery.pullrequests.links import PullRequest, PullRequestLink, link_for

if TYPE_CHECKING:
    import httpx

__all__ = ["open_pull_request", "pull_request_link"]

RETRY_DELAYS_S = (1.0, 3.0)


async def open_pull_request(
    request: PullRequest,
    token: str,
    *,
    api_url: str | None = None,
    client: httpx.AsyncClient | None = None,
    hosts: GitHosts | None = None,
    retry_delays: Sequence[float] = RETRY_DELAYS_S,
) -> PullRequestLink:
    """Open ``request`` through its host's API with ``token``, or return the pull request
    already open for its source branch; ``api_url`` replaces the host's API root
    (``https://HOST/api/v3`` for GitHub Enterprise, ``https://HOST/api/v4`` for GitLab).

    Raises :class:`~gitward.delivery.pullrequests.failures.GitHostRefusedError` (the host or
    the token will not do: 401, 403, 404, 422, an unknown host, no token) or
    :class:`~gitward.delivery.pullrequests.failures.GitHostUnavailableError` (5xx, 429, the
    network, after bounded retries)."""
    from gitward.delivery.pullrequests import opening  # noqa: PLC0415 - httpx only when used

    return await opening.open_pull_request(
        request, token, api_url=api_url, client=client, hosts=hosts, retry_delays=retry_delays
    )


async def pull_request_link(
    request: PullRequest,
    token: str | None,
    *,
    api_url: str | None = None,
    client: httpx.AsyncClient | None = None,
    hosts: GitHosts | None = None,
) -> PullRequestLink | None:
    """With a token, :func:`open_pull_request`; without one, the compare link for a person
    (``opened=False``, no call made); None when the repository is on no host gitward knows.

    Failures of the API are raised, not hidden: the caller decides whether to fall back to
    :func:`~gitward.delivery.pullrequests.links.compare_link` and say why."""
    host = host_of(request.repo_url, hosts)
    if host is None:
        return None
    if not token:
        return PullRequestLink(link_for(host, request.source_branch, request.target_branch), False)
    return await open_pull_request(request, token, api_url=api_url, client=client, hosts=hosts)
