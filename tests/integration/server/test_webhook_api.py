"""``POST /api/webhook`` with the providers' documented payloads (tests/unit/server/fixtures),
malformed and oversized ones: only apps whose repoURL and tracked revision match are
refreshed, and nothing in a payload is ever contacted."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import Api, ApiFactory

from gitward.server.hooks import WebhookQueue, apps_to_refresh
from gitward.server.intake import WebhookIntake
from gitward.server.webhooks import WebhookSecrets
from gitward.server.webhooks.receiving import parse_webhook
from gitward.store import AppRecord
from support.example import DEV, PROD, REPO_URL, ROOT, STAGING

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "server"))
from webhook_deliveries import body_of, headers, payload

SECRET = "s3cret-shared-with-github"


async def delivered(api: Api, body: bytes, sent: dict[str, str]) -> tuple[int, list[str]]:
    answer = await api.client().post("/api/webhook", content=body, headers=sent)
    queue = api.server.services.webhooks
    await queue.drained()
    return answer.status_code, sorted(set(queue.refreshed))


async def test_a_github_push_to_main_refreshes_the_apps_that_track_main(api: Api) -> None:
    body = body_of(payload("github_push.json"))
    status, refreshed = await delivered(api, body, headers("github", body))
    assert status == 200
    assert refreshed == [DEV, PROD, ROOT, STAGING]


async def test_a_push_to_another_branch_refreshes_nothing(api: Api) -> None:
    document = payload("github_push.json")
    document["ref"] = "refs/heads/feature"
    body = body_of(document)
    status, refreshed = await delivered(api, body, headers("github", body))
    assert (status, refreshed) == (200, [])


@pytest.mark.parametrize(
    ("provider", "fixture"),
    [
        ("gitlab", "gitlab_push.json"),
        ("bitbucket", "bitbucket_cloud_push.json"),
        ("bitbucket-server", "bitbucket_server_push.json"),
    ],
)
async def test_other_providers_pushes_are_read_and_match_only_their_repository(
    api: Api, provider: str, fixture: str
) -> None:
    body = body_of(payload(fixture))
    status, refreshed = await delivered(api, body, headers(provider, body))
    assert (status, refreshed) == (200, [])


async def test_a_ping_is_accepted_and_refreshes_nothing(api: Api) -> None:
    body = body_of(payload("github_ping.json"))
    status, refreshed = await delivered(api, body, headers("github", body, event="ping"))
    assert (status, refreshed) == (200, [])


async def test_a_malformed_payload_is_refused(api: Api) -> None:
    body = b"{not json"
    status, refreshed = await delivered(api, body, headers("github", body))
    assert (status, refreshed) == (400, [])


async def test_a_delivery_from_no_known_provider_is_refused(api: Api) -> None:
    answer = await api.client().post("/api/webhook", content=b"{}", headers={"X-Other": "1"})
    assert (answer.status_code, answer.json()["code"]) == (400, "unknown_provider")


async def test_an_oversized_payload_is_refused_without_reading_it_all(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory(webhook_max_bytes=1024)
    document = payload("github_push.json")
    document["padding"] = "x" * 4096
    body = body_of(document)
    status, refreshed = await delivered(api, body, headers("github", body))
    assert (status, refreshed) == (413, [])


async def test_a_wrong_signature_is_refused_when_a_secret_is_set(api_factory: ApiFactory) -> None:
    api = await api_factory(webhook_secrets=WebhookSecrets(github=SECRET))
    body = body_of(payload("github_push.json"))
    bad, nothing = await delivered(api, body, headers("github", body, secret="wrong"))
    unsigned, _ = await delivered(api, body, headers("github", body))
    good, refreshed = await delivered(api, body, headers("github", body, secret=SECRET))
    assert (bad, unsigned, nothing) == (401, 401, [])
    assert (good, refreshed) == (200, [DEV, PROD, ROOT, STAGING])


async def test_urls_in_a_payload_only_name_apps_and_are_never_fetched(api: Api) -> None:
    document = payload("github_push.json")
    document["repository"]["clone_url"] = "http://169.254.169.254/latest/meta-data"
    document["repository"]["html_url"] = "http://169.254.169.254/"
    document["repository"]["ssh_url"] = "git@169.254.169.254:x.git"
    document["repository"]["git_url"] = "git://169.254.169.254/x.git"
    document["repository"]["url"] = "http://169.254.169.254/"
    body = body_of(document)
    status, refreshed = await delivered(api, body, headers("github", body))
    assert (status, refreshed) == (200, [])
    assert REPO_URL not in json.dumps(document["repository"])


async def test_a_full_queue_refuses_further_deliveries() -> None:
    queue = WebhookQueue(size=2)
    assert [queue.offer(()) for _ in range(3)] == [True, True, False]
    assert queue.depth == 2


async def test_without_a_secret_the_smaller_limit_applies(api_factory: ApiFactory) -> None:
    api = await api_factory(
        webhook_secrets=WebhookSecrets(github=SECRET), webhook_unsigned_max_bytes=2048
    )
    document = payload("github_push.json")
    document["padding"] = "x" * 4096
    body = body_of(document)
    gitlab = payload("gitlab_push.json")
    gitlab["padding"] = "x" * 4096
    unsigned_body = body_of(gitlab)
    unsigned, _ = await delivered(api, unsigned_body, headers("gitlab", unsigned_body))
    signed, refreshed = await delivered(api, body, headers("github", body, secret=SECRET))
    assert (unsigned, signed) == (413, 200)
    assert refreshed == [DEV, PROD, ROOT, STAGING]


async def test_a_storm_gets_503_at_once_while_health_and_the_api_answer(api: Api) -> None:
    """One delivery holds the only parse slot (its body arrives slowly); the next is refused
    at once with Retry-After, and /healthz and the API answer meanwhile."""
    intake = _ObservedIntake(slots=1, max_waiting=0)
    api.server.services.webhook_intake = intake
    body = body_of(payload("github_push.json"))
    release = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield body[:10]
        await release.wait()
        yield body[10:]

    sent = {**headers("github", body), "Content-Length": str(len(body))}
    held = asyncio.create_task(api.client().post("/api/webhook", content=slow_body(), headers=sent))
    await asyncio.wait_for(intake.reading.wait(), 10)
    refused = await api.client().post("/api/webhook", content=body, headers=headers("github", body))
    health = await api.client().get("/healthz")
    listed = await (await api.admin()).get("/api/v1/applications")
    release.set()
    accepted = await asyncio.wait_for(held, 10)
    assert (refused.status_code, refused.json()["code"]) == (503, "unavailable")
    assert refused.headers["Retry-After"] == "5"
    assert (health.status_code, listed.status_code) == (200, 200)
    assert accepted.status_code == 200


class _ObservedIntake(WebhookIntake):
    """Says when a delivery holding a slot starts reading its body."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.reading = asyncio.Event()

    def limit_for(self, headers: Mapping[str, str]) -> int:
        self.reading.set()
        return super().limit_for(headers)


async def test_a_push_is_matched_against_the_apps_the_reader_given_holds(api: Api) -> None:
    """The server hands the delivery queue its controller's cached reads: matching a push then
    sends one query (the app list), not one per app (~5 s at 10,000 apps)."""
    store = api.server.services.store
    held = {s.name: await store.apps.get(s.name) for s in await store.apps.list()}
    asked: list[str] = []

    async def cached(name: str) -> AppRecord | None:
        asked.append(name)
        return held[name]

    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    body = body_of(payload("github_push.json"))
    pushes = parse_webhook(headers("github", body), body)
    sa.event.listen(sa.Engine, "before_cursor_execute", seen)
    try:
        names = await apps_to_refresh(store, pushes, cached)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", seen)
    assert sorted(names) == [DEV, PROD, ROOT, STAGING]
    assert sorted(asked) == sorted(held)
    assert not [s for s in statements if "WHERE apps.name" in s]
