"""Deliveries gitward refuses: too large, unknown, unsigned or badly signed, not JSON, or with
payload fields of the wrong shape. Each is a ``WebhookError`` with a status; none escapes as
another exception, and no message repeats a secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from webhook_deliveries import FIXTURE_FILES, body_of, headers, payload, signature

from gitward.server.webhooks import DEFAULT_MAX_BYTES, WebhookError, WebhookSecrets, parse_webhook

SECRET = "s3cret-value-4242"
ALL_SECRETS = WebhookSecrets(
    github=SECRET, gitlab=SECRET, bitbucket=SECRET, bitbucket_server=SECRET
)


def _refusal(sent: dict[str, str], body: bytes, secrets: WebhookSecrets | None = None, **kw: Any):
    with pytest.raises(WebhookError) as caught:
        parse_webhook(sent, body, secrets, **kw)
    error = caught.value
    assert SECRET not in str(error)
    return error


def test_the_default_limit_is_fifty_megabytes():
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_a_payload_over_the_limit_is_refused_before_anything_else():
    body = b"x" * 1001

    error = _refusal({}, body, max_bytes=1000)

    assert (error.code, error.status) == ("too_large", 413)
    assert "1001 bytes" in error.problem


def test_a_delivery_without_a_provider_event_header_is_refused():
    error = _refusal({"Content-Type": "application/json"}, b"{}")

    assert (error.code, error.status) == ("unknown_provider", 400)


@pytest.mark.parametrize("provider", sorted(FIXTURE_FILES))
def test_a_missing_signature_is_refused_when_a_secret_is_configured(provider: str):
    body = body_of(payload(FIXTURE_FILES[provider]))

    error = _refusal(headers(provider, body), body, ALL_SECRETS)

    assert (error.code, error.status) == ("missing_signature", 401)


@pytest.mark.parametrize("provider", sorted(FIXTURE_FILES))
def test_a_wrong_signature_is_refused(provider: str):
    body = body_of(payload(FIXTURE_FILES[provider]))

    error = _refusal(headers(provider, body, secret="not-the-secret"), body, ALL_SECRETS)

    assert (error.code, error.status) == ("bad_signature", 401)


@pytest.mark.parametrize("provider", ["github", "bitbucket", "bitbucket-server"])
def test_a_signature_of_another_body_is_refused(provider: str):
    body = body_of(payload(FIXTURE_FILES[provider]))
    sent = headers(provider, b"{}", secret=SECRET)

    assert _refusal(sent, body, ALL_SECRETS).code == "bad_signature"


def test_a_signature_is_checked_before_the_payload_is_read():
    sent = headers("github", b"not json", secret="wrong")

    assert _refusal(sent, b"not json", ALL_SECRETS).code == "bad_signature"


def test_a_github_sha1_signature_alone_is_not_enough():
    body = body_of(payload("github_push.json"))
    sent = {"X-GitHub-Event": "push", "X-Hub-Signature": "sha1=0123456789abcdef"}

    assert _refusal(sent, body, ALL_SECRETS).code == "missing_signature"


def test_a_wrong_bitbucket_hook_uuid_is_refused():
    body = body_of(payload("bitbucket_cloud_push.json"))

    error = _refusal(headers("bitbucket", body), body, WebhookSecrets(bitbucket_uuid=SECRET))

    assert error.code == "bad_signature"


@pytest.mark.parametrize(
    ("provider", "event"),
    [
        ("github", "pull_request"),
        ("gitlab", "Merge Request Hook"),
        ("bitbucket", "pullrequest:created"),
        ("bitbucket-server", "pr:opened"),
    ],
)
def test_an_event_other_than_a_push_is_refused_as_unsupported(provider: str, event: str):
    body = body_of(payload(FIXTURE_FILES[provider]))

    error = _refusal(headers(provider, body, event=event), body)

    assert (error.code, error.status) == ("unsupported_event", 400)
    assert repr(event) in error.problem


def test_a_gitlab_hook_whose_object_kind_contradicts_its_event_is_refused():
    body = body_of(payload("gitlab_tag_push.json"))

    assert _refusal(headers("gitlab", body), body).code == "unsupported_event"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "not JSON"),
        (b"not json at all", "not JSON"),
        (b"\xff\xfe\xfd", "not JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'"a string"', "not a JSON object"),
        (b"null", "not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_malformed(body: bytes, problem: str):
    error = _refusal(headers("github", body), body)

    assert (error.code, error.status) == ("malformed", 400)
    assert problem in error.problem


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


_DELETE = object()

MALFORMED = [
    ("github", "repository", _DELETE, "repository is missing"),
    ("github", "repository", "https://github.com/x/y", "repository must be an object"),
    ("github", "repository", {}, "repository.html_url is missing"),
    ("github", "repository.html_url", 42, "repository.html_url must be a string, not a number"),
    ("github", "ref", _DELETE, "ref is missing"),
    ("github", "ref", "", "ref is empty"),
    ("github", "ref", ["refs/heads/main"], "ref must be a string, not a list"),
    ("github", "commits", {"id": "x"}, "commits must be a list, not an object"),
    ("github", "commits.0", "abc", "commits[0] must be an object, not a string"),
    ("github", "commits.0.modified", "a.yaml", "commits[0].modified must be a list"),
    ("github", "commits.0.added", [1], "commits[0].added[0] must be a string, not a number"),
    ("github", "deleted", "no", "deleted must be true or false"),
    ("gitlab", "project", [], "project must be an object, not a list"),
    ("gitlab", "ref", None, "ref is missing"),
    ("gitlab", "total_commits_count", "2", "total_commits_count must be a whole number"),
    ("gitlab", "total_commits_count", 2.5, "must be a whole number, not a number"),
    ("bitbucket", "push", _DELETE, "push is missing"),
    ("bitbucket", "push.changes", [], "push.changes is empty"),
    ("bitbucket", "push.changes", None, "push.changes is missing"),
    ("bitbucket", "push.changes.0", {"new": None, "old": None}, "new and old are both missing"),
    ("bitbucket", "repository.links", _DELETE, "repository.links is missing"),
    ("bitbucket", "repository.links.html", {"href": True}, "links.html.href must be a string"),
    ("bitbucket-server", "repository.links", _DELETE, "names no http or ssh clone URL"),
    ("bitbucket-server", "repository.links.clone", [], "names no http or ssh clone URL"),
    ("bitbucket-server", "changes", [], "changes is empty"),
    ("bitbucket-server", "changes.0", {"toHash": "abc"}, "changes[0].ref is missing"),
]


@pytest.mark.parametrize(("provider", "path", "value", "problem"), MALFORMED)
def test_a_payload_field_of_the_wrong_shape_is_malformed(
    provider: str, path: str, value: Any, problem: str
):
    document = payload(FIXTURE_FILES[provider])
    _set(path, value)(document)
    body = body_of(document)

    error = _refusal(headers(provider, body), body)

    assert (error.code, error.status) == ("malformed", 400)
    assert problem in error.problem
    assert error.where.obj == f"{provider} webhook"


def test_a_gitlab_payload_naming_no_repository_at_all_is_malformed():
    document = payload("gitlab_push.json")
    del document["project"], document["repository"]
    body = json.dumps(document).encode()

    error = _refusal(headers("gitlab", body), body)

    assert "names no repository URL" in error.problem


def test_every_refusal_message_leaves_out_the_configured_secret_and_the_signature():
    body = body_of(payload("github_push.json"))
    good = signature(SECRET, body)
    sent = headers("github", body, secret=SECRET)
    sent["X-Hub-Signature-256"] = good[:-4] + "0000"

    error = _refusal(sent, body, ALL_SECRETS)

    assert good[:-4] not in error.message
    assert "WebhookSecrets(configured=" in repr(ALL_SECRETS)
    assert SECRET not in repr(ALL_SECRETS)
