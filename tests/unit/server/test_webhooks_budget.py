"""What one delivery may cost: a smaller size limit for providers with no secret, and a shape
budget (values, depth) checked before the payload is decoded, so a body of empty objects is
refused without becoming millions of dicts."""

from __future__ import annotations

import tracemalloc

import pytest
from webhook_deliveries import body_of, headers, payload

from gitward.server.webhooks import ParseBudget, WebhookError, WebhookSecrets, parse_webhook

SECRET = "s3cret-value-4242"


def _empty_commits(size: int) -> bytes:
    """A GitHub push whose commit list is empty objects, about ``size`` bytes long."""
    document = payload("github_push.json")
    document["commits"] = "COMMITS"
    head = body_of(document)
    count = (size - len(head)) // 3
    return head.replace(b'"COMMITS"', b"[" + b"{}," * count + b"{}]")


def test_a_provider_without_a_secret_has_the_smaller_limit() -> None:
    body = body_of(payload("gitlab_push.json")) + b" " * 2000

    with pytest.raises(WebhookError) as caught:
        parse_webhook(headers("gitlab", body), body, max_bytes=10**6, unsigned_max_bytes=1000)

    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert "without a secret" in caught.value.problem
    assert "secret" in caught.value.hint


def test_a_provider_with_a_secret_has_the_larger_limit() -> None:
    body = body_of(payload("github_push.json")) + b" " * 2000
    secrets = WebhookSecrets(github=SECRET)

    pushes = parse_webhook(
        headers("github", body, secret=SECRET),
        body,
        secrets,
        max_bytes=10**6,
        unsigned_max_bytes=1000,
    )

    assert [push.ref for push in pushes] == ["refs/heads/main"]


def test_a_body_of_empty_objects_is_refused_before_it_is_decoded() -> None:
    body = _empty_commits(1024 * 1024)
    budget = ParseBudget(max_values=100_000)
    tracemalloc.start()
    try:
        with pytest.raises(WebhookError) as caught:
            parse_webhook(headers("github", body), body, budget=budget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert "more than 100000 JSON values" in caught.value.problem
    assert peak < 3 * len(body)  # decoded, 300k empty dicts take ~25 times the body


def test_a_payload_within_the_value_budget_is_read() -> None:
    body = _empty_commits(30_000)

    pushes = parse_webhook(headers("github", body), body, budget=ParseBudget(max_values=20_000))

    assert pushes[0].changed_files == frozenset()


def test_a_payload_nested_deeper_than_the_budget_is_refused() -> None:
    document = payload("github_push.json")
    document["extra"] = [[[[["deep"]]]]]
    body = body_of(document)

    with pytest.raises(WebhookError) as caught:
        parse_webhook(headers("github", body), body, budget=ParseBudget(max_depth=5))

    assert (caught.value.code, caught.value.status) == ("malformed", 400)
    assert "nested deeper than 5 levels" in caught.value.problem


def test_brackets_and_commas_inside_strings_count_for_nothing() -> None:
    document = payload("github_push.json")
    document["head_commit"]["message"] = '[{"a": 1}, ' * 2000 + '\\"quoted\\" ]]]'
    body = body_of(document)

    pushes = parse_webhook(
        headers("github", body), body, budget=ParseBudget(max_depth=8, max_values=1000)
    )

    assert [push.ref for push in pushes] == ["refs/heads/main"]


def test_a_form_post_is_held_to_the_same_budget() -> None:
    inner = _empty_commits(60_000)
    body = b"payload=" + inner.replace(b"{", b"%7B").replace(b"}", b"%7D")
    sent = {**headers("github", body), "Content-Type": "application/x-www-form-urlencoded"}

    with pytest.raises(WebhookError) as caught:
        parse_webhook(sent, body, budget=ParseBudget(max_values=10_000))

    assert caught.value.code == "too_large"
