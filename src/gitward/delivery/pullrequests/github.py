"""Opening a pull request through GitHub's REST API (github.com and GitHub Enterprise Server).

The calls, and nothing else:

- ``POST /repos/{owner}/{repo}/pulls`` with ``title``, ``head`` (the pushed branch), ``base``
  (the target branch) and ``body``; 201 answers the pull request (``number``, ``html_url``).
- When it answers 422 "A pull request already exists for owner:branch", ``GET
  /repos/{owner}/{repo}/pulls?head={owner}:{branch}&base={target}&state=open`` and return the
  first one listed.

Headers: ``Accept: application/vnd.github+json``, ``X-GitHub-Api-Version: 2022-11-28``,
``Authorization: Bearer TOKEN``, ``User-Agent: gitward``.
"""

from __future__ import annotations

import urllib.parse

from gitward.delivery.pullrequests.calls import Api, LinkFields, api_message
from gitward.delivery.pullrequests.links import PullRequest, PullRequestLink

__all__ = ["API_VERSION", "github_headers", "open_on_github"]

API_VERSION = "2022-11-28"
_EXISTS = "a pull request already exists"
_FIELDS = LinkFields(url="html_url", number="number")


def github_headers(token: str) -> dict[str, str]:
    return {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "Authorization": f"Bearer {token}",
        "User-Agent": "gitward",
    }


async def open_on_github(api: Api, request: PullRequest) -> PullRequestLink:
    """Open the pull request, or find the one already open for its branch."""
    owner, name = api.host.project.split("/")
    path = f"/repos/{_segment(owner)}/{_segment(name)}/pulls"
    doing = f"open a pull request from {request.source_branch} into {request.target_branch}"
    body = {
        "title": request.title,
        "head": request.source_branch,
        "base": request.target_branch,
        "body": request.body,
    }
    response = await api.call("POST", path, body=body)
    if response.status_code == 201:
        return api.opened(response, _FIELDS, doing)
    if response.status_code == 422 and _EXISTS in api_message(response).lower():
        params = {
            "head": f"{owner}:{request.source_branch}",
            "base": request.target_branch,
            "state": "open",
        }
        listing = f"list the open pull requests from {request.source_branch}"
        return await api.first_open(path, params, _FIELDS, listing)
    raise api.refusal(response, doing)


def _segment(text: str) -> str:
    return urllib.parse.quote(text, safe="")
