"""Opening a merge request through GitLab's REST API (gitlab.com and self-managed GitLab).

The calls, and nothing else (``{id}`` is the project's path, percent-encoded as one segment:
``group%2Fsubgroup%2Fproject``):

- ``POST /projects/{id}/merge_requests`` with ``source_branch``, ``target_branch``, ``title``
  and ``description``; 201 answers the merge request (``iid``, ``web_url``).
- When it answers 409 (another open merge request exists for the source branch), ``GET
  /projects/{id}/merge_requests?source_branch={branch}&target_branch={target}&state=opened``
  and return the first one listed.

Headers: ``Accept: application/json``, ``Authorization: Bearer TOKEN`` (GitLab takes personal,
project and group access tokens and OAuth tokens this way), ``User-Agent: gitward``.
"""

from __future__ import annotations

import urllib.parse

from gitward.delivery.pullrequests.calls import Api, LinkFields
from gitward.delivery.pullrequests.links import PullRequest, PullRequestLink

__all__ = ["gitlab_headers", "open_on_gitlab"]

_FIELDS = LinkFields(url="web_url", number="iid")


def gitlab_headers(token: str) -> dict[str, str]:
    return {
        "Accept": "application/json",
        "Authorization": f"Bearer {token}",
        "User-Agent": "gitward",
    }


async def open_on_gitlab(api: Api, request: PullRequest) -> PullRequestLink:
    """Open the merge request, or find the one already open for its branch."""
    path = f"/projects/{urllib.parse.quote(api.host.project, safe='')}/merge_requests"
    doing = f"open a merge request from {request.source_branch} into {request.target_branch}"
    body = {
        "source_branch": request.source_branch,
        "target_branch": request.target_branch,
        "title": request.title,
        "description": request.body,
    }
    response = await api.call("POST", path, body=body)
    if response.status_code == 201:
        return api.opened(response, _FIELDS, doing)
    if response.status_code == 409:
        params = {
            "source_branch": request.source_branch,
            "target_branch": request.target_branch,
            "state": "opened",
        }
        listing = f"list the open merge requests from {request.source_branch}"
        return await api.first_open(path, params, _FIELDS, listing)
    raise api.refusal(response, doing)
