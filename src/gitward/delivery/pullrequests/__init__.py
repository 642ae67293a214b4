"""Pull requests on the Git host: the link a person opens, or the pull request itself.

Promotion to a manual environment pushes a branch; this package says where its pull request is.
:func:`compare_link` builds the page where a person opens it (no token, no call).
:func:`open_pull_request` opens it through GitHub's or GitLab's API, idempotently, with the
token :func:`api_token` finds in the repository's stored credentials; :func:`pull_request_link`
does the one or the other. :func:`host_of` tells which host serves a repoURL.

``hosts`` (recognising a repoURL), ``links`` (the values and the compare link) and ``tokens``
compute strings only; ``proposing`` chooses between a link and a call. ``opening`` and below
(``calls``, ``github``, ``gitlab``) call the API over ``httpx``, loaded only when a pull
request is opened. Nothing here runs git,
reads the store or logs; errors are in ``failures`` and never carry the token.
"""

from __future__ import annotations

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
from gitward.delivery.pullrequests.proposing import open_pull_request, pull_request_link
from gitward.delivery.pullrequests.tokens import StoredCredentials, api_token

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
    "pull_request_link",
]
