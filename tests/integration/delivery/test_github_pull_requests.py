"""Opening a pull request through GitHub's REST API, against a loopback server speaking the
documented subset: the exact calls, the already-open case, refusals, retries, and a token that
never shows in errors or logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from githost_server import Answer, FakeHost, fake_host

from gitward.delivery.pullrequests import (
    GitHostRefusedError,
    GitHostUnavailableError,
    PullRequest,
    PullRequestLink,
    api_token,
    open_pull_request,
    pull_request_link,
)
from gitward.git.credentials import Credentials

TOKEN = "ghp_Z9xTokenValueThatMustNotLeak42"
REQUEST = PullRequest(
    repo_url="git@github.com:acme/infra.git",
    source_branch="promote/prod-1.4.0",
    target_branch="main",
    title="Promote staging to prod: backend.image.tag=1.4.0",
    body="## Changes\n\n| app | change |\n|---|---|\n| ai-chatbot-prod | Deployment changed |",
)
CREATED = {"number": 42, "html_url": "https://github.com/acme/infra/pull/42", "state": "open"}
EXISTS = {
    "message": "Validation Failed",
    "errors": [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": "A pull request already exists for acme:promote/prod-1.4.0.",
        }
    ],
    "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
}


@pytest.fixture
def github() -> Iterator[FakeHost]:
    with fake_host() as host:
        yield host


async def open_on(host: FakeHost, token: str = TOKEN) -> PullRequestLink:
    return await open_pull_request(
        REQUEST, token, api_url=f"{host.url}/api/v3", retry_delays=(0.0, 0.0)
    )


async def test_a_pull_request_is_opened_with_one_documented_call(github: FakeHost) -> None:
    github.script(Answer(201, CREATED))
    link = await open_on(github)
    assert link == PullRequestLink(CREATED["html_url"], opened=True, number=42)
    [call] = github.seen
    assert (call.method, call.target) == ("POST", "/api/v3/repos/acme/infra/pulls")
    assert call.headers["Accept"] == "application/vnd.github+json"
    assert call.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.headers["User-Agent"] == "gitward"
    assert call.body == {
        "title": REQUEST.title,
        "head": "promote/prod-1.4.0",
        "base": "main",
        "body": REQUEST.body,
    }


async def test_an_open_pull_request_for_the_branch_is_found_not_duplicated(
    github: FakeHost,
) -> None:
    github.script(Answer(422, EXISTS), Answer(200, [CREATED]))
    link = await open_on(github)
    assert link == PullRequestLink(CREATED["html_url"], opened=True, number=42)
    post, listing = github.seen
    assert post.method == "POST"
    assert (listing.method, listing.path) == ("GET", "/api/v3/repos/acme/infra/pulls")
    assert listing.query == {
        "head": ["acme:promote/prod-1.4.0"],
        "base": ["main"],
        "state": ["open"],
    }
    assert listing.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_another_validation_failure_is_a_refusal_quoting_github(github: FakeHost) -> None:
    github.script(
        Answer(
            422,
            {
                "message": "Validation Failed",
                "errors": [{"message": "No commits between main and promote/prod-1.4.0"}],
            },
        )
    )
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(github)
    assert "No commits between main and promote/prod-1.4.0" in raised.value.message
    assert len(github.seen) == 1


async def test_a_field_error_without_a_message_is_quoted_by_field_and_code(
    github: FakeHost,
) -> None:
    invalid = {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
    }
    github.script(Answer(422, invalid))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(github)
    assert "(422): Validation Failed; head invalid" in raised.value.message


async def test_a_rejected_token_says_to_store_a_valid_one(github: FakeHost) -> None:
    github.script(Answer(401, {"message": "Bad credentials"}))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(github)
    message = raised.value.message
    assert message.startswith("GitHub repository github.com/acme/infra: ")
    assert "rejected the token (401)" in message
    assert "gitward repo add" in message
    assert len(github.seen) == 1


async def test_a_token_without_scope_names_the_permission_to_grant(github: FakeHost) -> None:
    github.script(Answer(403, {"message": "Resource not accessible by personal access token"}))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(github)
    assert "lacks the scope" in raised.value.message
    assert "Pull requests: Read and write" in raised.value.message


async def test_a_repository_the_token_cannot_see_is_not_found(github: FakeHost) -> None:
    github.script(Answer(404, {"message": "Not Found"}))
    with pytest.raises(GitHostRefusedError) as raised:
        await open_on(github)
    assert "GitHub repository github.com/acme/infra" in raised.value.message
    assert "repository not found, or the token cannot see it (404)" in raised.value.message


async def test_a_server_error_is_retried_then_succeeds(github: FakeHost) -> None:
    github.script(Answer(502), Answer(503), Answer(201, CREATED))
    link = await open_on(github)
    assert link.number == 42
    assert [call.method for call in github.seen] == ["POST", "POST", "POST"]


async def test_server_errors_stop_after_three_attempts(github: FakeHost) -> None:
    github.script(*[Answer(500, {"message": "Server Error"})] * 5)
    with pytest.raises(GitHostUnavailableError) as raised:
        await open_on(github)
    assert "answered 500" in raised.value.message
    assert "GitHub repository github.com/acme/infra" in raised.value.message
    assert len(github.seen) == 3


async def test_the_rate_limit_is_a_passing_failure(github: FakeHost) -> None:
    github.script(
        Answer(403, {"message": "API rate limit exceeded"}, {"X-RateLimit-Remaining": "0"})
    )
    with pytest.raises(GitHostUnavailableError) as raised:
        await open_on(github)
    assert "rate limit" in raised.value.message


async def test_an_unreachable_api_is_unavailable_after_bounded_attempts() -> None:
    with fake_host() as gone:
        address = gone.url
    with pytest.raises(GitHostUnavailableError) as raised:
        await open_pull_request(
            REQUEST, TOKEN, api_url=f"{address}/api/v3", retry_delays=(0.0, 0.0)
        )
    assert "ConnectError" in raised.value.message
    assert "try again later" in raised.value.message


async def test_the_token_never_appears_in_errors_or_logs(
    github: FakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = {"message": f"Bad credentials for token {TOKEN}"}
    github.script(
        Answer(401, echoed), Answer(403, echoed), Answer(422, echoed), *[Answer(500, echoed)] * 3
    )
    failures: list[BaseException] = []
    for _ in range(4):
        with pytest.raises((GitHostRefusedError, GitHostUnavailableError)) as raised:
            await open_on(github)
        failures.append(raised.value)
    assert len(github.seen) == 6
    for failure in failures:
        shown = [str(failure), repr(failure), str(failure.__cause__), str(failure.__context__)]
        assert not [text for text in shown if TOKEN in text]
    assert "******" in str(failures[2])
    assert caplog.records, "httpx logs each request at DEBUG/INFO"
    assert not [record for record in caplog.records if TOKEN in record.getMessage()]


async def test_a_callers_client_is_used_and_left_open(github: FakeHost) -> None:
    github.script(Answer(201, CREATED))
    async with httpx.AsyncClient() as client:
        link = await open_pull_request(
            REQUEST, TOKEN, api_url=f"{github.url}/api/v3", client=client
        )
        assert not client.is_closed
    assert link.opened


async def test_a_redirect_is_not_followed_with_the_token(github: FakeHost) -> None:
    github.script(Answer(301, {"message": "Moved Permanently"}, {"Location": f"{github.url}/x"}))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        with pytest.raises(GitHostRefusedError) as raised:
            await open_pull_request(REQUEST, TOKEN, api_url=f"{github.url}/api/v3", client=client)
    assert "moved" in raised.value.message
    assert len(github.seen) == 1


async def test_a_host_that_does_not_answer_in_time_is_unavailable(github: FakeHost) -> None:
    github.script(*[Answer(201, CREATED, delay_s=2.0)] * 3)
    async with httpx.AsyncClient(timeout=0.2) as client:
        with pytest.raises(GitHostUnavailableError) as raised:
            await open_pull_request(
                REQUEST, TOKEN, api_url=f"{github.url}/api/v3", client=client, retry_delays=(0.0,)
            )
    assert "ReadTimeout" in raised.value.message
    assert len(github.seen) == 2


async def test_no_token_or_an_unknown_host_is_refused_before_any_call(github: FakeHost) -> None:
    with pytest.raises(GitHostRefusedError, match="no token"):
        await open_on(github, token="")
    other = PullRequest("https://bot:pw@git.example.com/acme/infra.git", "a", "main", "t", "b")
    with pytest.raises(GitHostRefusedError) as raised:
        await open_pull_request(other, TOKEN, api_url=github.url)
    assert "GITWARD_GIT_HOSTS" in raised.value.message
    assert "pw" not in raised.value.message
    assert github.seen == []


async def test_without_a_token_promotion_gets_the_compare_link_and_no_call(
    github: FakeHost,
) -> None:
    link = await pull_request_link(REQUEST, None, api_url=f"{github.url}/api/v3")
    assert link == PullRequestLink(
        "https://github.com/acme/infra/compare/main...promote/prod-1.4.0?expand=1", opened=False
    )
    assert github.seen == []


async def test_with_a_stored_token_promotion_gets_the_opened_pull_request(
    github: FakeHost,
) -> None:
    github.script(Answer(201, CREATED))
    stored = Credentials(username="release-bot", password=TOKEN)
    link = await pull_request_link(REQUEST, api_token(stored), api_url=f"{github.url}/api/v3")
    assert link == PullRequestLink(CREATED["html_url"], opened=True, number=42)
    assert github.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_repository_on_an_unknown_host_gets_no_link() -> None:
    other = PullRequest("https://git.example.com/acme/infra.git", "a", "main", "t", "b")
    assert await pull_request_link(other, TOKEN) is None
