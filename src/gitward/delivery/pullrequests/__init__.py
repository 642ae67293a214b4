"""Pull requests on the Git host: the link a person opens, or the pull request itself.

Promotion to a manual environment pushes a branch; this package says where its pull request is.
:func:`compare_link` builds the page where a person opens it (no token, no call).
:func:`open_pull_request` opens it through GitHub's or GitLab's API, idempotently, with the
token :func:`api_token` finds in the repository's stored credentials. :func:`host_of` tells
which host serves a repoURL.

``hosts`` (recognising a repoURL), ``links`` (the values and the compare link) and ``tokens``
compute strings only. ``opening`` and below (``calls``, ``github``, ``gitlab``) call the API
over ``httpx``, which is loaded only when a pull request is opened. Nothing here runs git,
reads the store or logs; errors are in ``failures`` and never carry the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gitward.delivery.pullrequests.failures import (
    GitHostError,
    GitHostRefusedError,
    GitHostUnavailableError,
)
from gitward.delivery.pullrequests.hosts import GitHosts, Host, HostKind, host_of
from gitward.delivery.pullrequests.links import (
    PullRequest,
    PullRequestLink,
    compare_link,
    link_for,
)
from gitward.delivery.pullrequests.tokens import StoredCredentials, api_token

if TYPE_CHECKING:
    import httpx

__all__ = [
    "GitHostError",
    "GitHostRefusedError",
    "GitHostUnavailableError",
    "GitHosts",
    "Host",
    "HostKind",
    "PullRequest",
    "PullRequestLink",
    "StoredCredentials",
    "api_token",
    "compare_link",
    "host_of",
    "link_for",
    "open_pull_request",
]

_RETRY_DELAYS_S = (1.0, 3.0)


async def open_pull_request(
    request: PullRequest,
    token: str,
    *,
    api_url: str | None = None,
    client: httpx.AsyncClient | None = None,
    hosts: GitHosts | None = None,
    retry_delays: Sequence[float] = _RETRY_DELAYS_S,
) -> PullRequestLink:
    """Open ``request`` through its host's API, or return the one already open for its source
    branch; see :func:`gitward.delivery.pullrequests.opening.open_pull_request`."""
    from gitward.delivery.pullrequests import opening  # noqa: PLC0415 - httpx only when used

    return await opening.open_pull_request(
        request, token, api_url=api_url, client=client, hosts=hosts, retry_delays=retry_delays
    )
