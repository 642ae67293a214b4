"""A pull request gitward proposes, and the link a person follows to see or open it.

``compare_link`` is the page where a person opens the pull request by hand: GitHub's compare
view (``/compare/TARGET...SOURCE?expand=1``) and GitLab's new merge request form
(``/-/merge_requests/new?merge_request[source_branch]=...``), branch names percent-encoded. It
needs no token and makes no call: it is what a promotion prints when no token is stored.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from gitward.delivery.pullrequests.hosts import GitHosts, Host, HostKind, host_of

__all__ = ["PullRequest", "PullRequestLink", "compare_link", "link_for"]


@dataclass(frozen=True)
class PullRequest:
    """Merge ``source_branch`` into ``target_branch`` of the repository at ``repo_url``."""

    repo_url: str
    source_branch: str
    target_branch: str
    title: str
    body: str


@dataclass(frozen=True)
class PullRequestLink:
    """Where the pull request is. ``opened``: it exists on the host (gitward opened it through
    the API, or found it already open, and ``number`` is its number: GitHub's ``#N``, GitLab's
    ``!N``); otherwise ``url`` is the page where a person opens it."""

    url: str
    opened: bool
    number: int | None = None


def compare_link(
    repo_url: str, source_branch: str, target_branch: str, hosts: GitHosts | None = None
) -> str | None:
    """The web page where a person opens the pull request; None for an unknown host."""
    host = host_of(repo_url, hosts)
    return None if host is None else link_for(host, source_branch, target_branch)


def link_for(host: Host, source_branch: str, target_branch: str) -> str:
    """:func:`compare_link` for a host already recognised."""
    project = f"{host.web_url}/{urllib.parse.quote(host.project, safe='/')}"
    if host.kind is HostKind.GITHUB:
        target = urllib.parse.quote(target_branch, safe="/")
        source = urllib.parse.quote(source_branch, safe="/")
        return f"{project}/compare/{target}...{source}?expand=1"
    query = urllib.parse.urlencode(
        {
            "merge_request[source_branch]": source_branch,
            "merge_request[target_branch]": target_branch,
        }
    )
    return f"{project}/-/merge_requests/new?{query}"
