"""Opening a merge request through GitLab's REST API, against a loopback server speaking the
documented subset: the project path encoded as one segment, the already-open case, refusals."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from githost_server import Answer, FakeHost, fake_host

from gitward.delivery.pullrequests import (
    GitHostRefusedError,
    GitHosts,
    GitHostUnavailableError,
    PullRequest,
    PullRequestLink,
    open_pull_request,
)

TOKEN = "glpat-Q7rTokenValueThatMustNotLeak"
REQUEST = PullRequest(
    repo_url="https://gitlab.com/acme/platform/infra.git",
    source_branch="promote/prod-1.4.0",
    target_branch="main",
    title="Promote staging to prod",
    body="Rendered diff:\n\n```diff\n-  tag: 1.3.0\n+  tag: 1.4.0\n```",
)
WEB = "https://gitlab.com/acme/platform/infra/-/merge_requests/7"
CREATED = {"id": 9001, "iid": 7, "web_url": WEB, "state": "opened"}
PROJECT = "/api/v4/projects/acme%2Fplatform%2Finfra/merge_requests"


@pytest.fixture
def gitlab() -> Iterator[FakeHost]:
    with fake_host() as host:
        yield host


async def open_on(host: FakeHost, request: PullRequest = REQUEST) -> PullRequestLink:
    return await open_pull_request(
        request, TOKEN, api_url=f"{host.url}/api/v4", retry_delays=(0.0, 0.0)
    )


async def test_a_merge_request_is_opened_on_the_url_encoded_project(gitlab: FakeHost) -> None:
    gitlab.script(Answer(201, CREATED))
    link = await open_on(gitlab)
    assert link == PullRequestLink(WEB, opened=True, number=7)
    [call] = gitlab.seen
    assert (call.method, call.target) == ("POST", PROJECT)
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.headers["Accept"] == "application/json"
    assert call.body == {
        "source_branch": "promote/prod-1.4.0",
        "target_branch": "main",
        "title": REQUEST.title,
        "description": REQUEST.body,
    }


async def test_an_open_merge_request_for_the_branch_is_found_not_duplicated(
    gitlab: FakeHost,
) -> None:
    conflict = {"message": ["Another open merge request already exists for this source branch: !7"]}
    gitlab.script(Answer(409, conflict), Answer(200, [CREATED]))
    link = await open_on(gitlab)
    assert link == PullRequestLink(WEB, opened=True, number=7)
    _, listing = gitlab.seen
    assert (listing.method, listing.path) == ("GET", PROJECT)
    assert listing.query == {
        "source_branch": ["promote/prod-1.4.0"],
        "target_branch": ["main"],
        "state": ["opened"],
    }


async def test_a_conflict_then_an_empty_listing_is_an_error_not_a_guess(gitlab: FakeHost) -> None:
    gitlab.script(Answer(409, {"message": ["exists"]}), Answer(200, []))
    with pytest.raises(Exception, match="listed none"):
        await open_on(gitlab)


async def test_an_unknown_project_says_the_token_may_not_see_it(gitlab: FakeHost) -> None:
    gitlab.script(Answer(404, {"message": "404 Project Not Found"}))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(gitlab)
    assert raised.value.message.startswith(
        "GitLab repository gitlab.com/acme/platform/infra: repository not found, or the token "
        "cannot see it (404)"
    )


async def test_a_token_without_the_api_scope_is_told_so(gitlab: FakeHost) -> None:
    gitlab.script(Answer(403, {"message": "403 Forbidden"}))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(gitlab)
    assert "'api' scope" in raised.value.message


async def test_gitlabs_field_errors_are_quoted(gitlab: FakeHost) -> None:
    gitlab.script(Answer(400, {"message": {"target_branch": ["does not exist"]}}))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(gitlab)
    assert "(400): target_branch does not exist" in raised.value.message


async def test_a_self_managed_gitlab_under_a_path_is_reached_over_ssh(
    gitlab: FakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hosts = GitHosts.parse([f"gitlab={gitlab.url}/gitlab"], "GITWARD_GIT_HOSTS")
    request = PullRequest("git@127.0.0.1:acme/infra.git", "promote/prod", "main", "t", "b")
    gitlab.script(
        Answer(201, {**CREATED, "web_url": f"{gitlab.url}/gitlab/acme/infra/-/merge_requests/7"})
    )
    link = await open_pull_request(request, TOKEN, hosts=hosts, retry_delays=())
    assert link.number == 7
    [call] = gitlab.seen
    assert call.target == "/gitlab/api/v4/projects/acme%2Finfra/merge_requests"
    assert not [record for record in caplog.records if TOKEN in record.getMessage()]


async def test_a_server_error_without_retries_fails_at_once(gitlab: FakeHost) -> None:
    gitlab.script(Answer(500, {"message": f"500 Internal Server Error {TOKEN}"}))
    with pytest.raises(GitHostUnavailableError) as raised:
        await open_pull_request(REQUEST, TOKEN, api_url=f"{gitlab.url}/api/v4", retry_delays=())
    assert TOKEN not in str(raised.value)
    assert len(gitlab.seen) == 1
