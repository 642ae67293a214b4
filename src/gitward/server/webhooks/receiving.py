"""Receive one webhook delivery: size, provider, signature, then the payload, in that order.

``parse_webhook(headers, body, secrets)`` is the whole job of the API's webhook route apart from
reading the body (at most the provider's size limit + 1 bytes, so an oversized body is refused
without being read whole). The limit is ``max_bytes`` for a provider with a secret and
``unsigned_max_bytes`` for one without; the payload's shape is checked against ``budget``
before it is decoded (``gitward.server.webhooks.budget``). The provider comes from its event
header: ``X-GitHub-Event``, ``X-Gitlab-Event``, ``X-Event-Key`` (Bitbucket Cloud when
``X-Hook-UUID`` is present or the event is ``repo:push``, Bitbucket Server otherwise). The
signature is checked on the raw bytes before anything is decoded. Pure: the only input is what
the caller passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gitward.errors import Location
from gitward.server.webhooks.budget import ParseBudget, size_limit
from gitward.server.webhooks.errors import TOO_LARGE, UNKNOWN_PROVIDER, WebhookError
from gitward.server.webhooks.payloads import Fields, decode_json
from gitward.server.webhooks.providers import (
    bitbucket_pushes,
    bitbucket_server_pushes,
    github_pushes,
    gitlab_pushes,
)
from gitward.server.webhooks.pushes import (
    BITBUCKET,
    BITBUCKET_SERVER,
    DEFAULT_MAX_BYTES,
    GITHUB,
    GITLAB,
    Push,
    WebhookSecrets,
)
from gitward.server.webhooks.verifying import check_hmac_sha256, check_token

__all__ = ["detect_provider", "detect_provider_of", "parse_webhook"]

_PARSERS: dict[str, Callable[[str, Fields], tuple[Push, ...]]] = {
    GITHUB: github_pushes,
    GITLAB: gitlab_pushes,
    BITBUCKET: bitbucket_pushes,
    BITBUCKET_SERVER: bitbucket_server_pushes,
}


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    secrets: WebhookSecrets | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    unsigned_max_bytes: int | None = None,
    budget: ParseBudget | None = None,
) -> tuple[Push, ...]:
    """The pushes one delivery reports (one per changed ref; a ping gives one ``ping`` push).

    ``unsigned_max_bytes`` (None: ``max_bytes``) limits a provider with no secret configured.
    Raises ``WebhookError`` (with ``status`` 400, 401 or 413) for anything it refuses.
    """
    secrets = secrets or WebhookSecrets()
    _check_size(len(body), max_bytes, None)
    lowered = {name.lower(): value for name, value in headers.items()}
    provider, event = detect_provider(lowered)
    unsigned = max_bytes if unsigned_max_bytes is None else unsigned_max_bytes
    _check_size(len(body), size_limit(secrets, provider, max_bytes, unsigned), provider)
    _verify(provider, lowered, body, secrets)
    payload = decode_json(body, lowered.get("content-type", ""), provider, budget)
    return _PARSERS[provider](event, payload)


def _check_size(size: int, limit: int, provider: str | None) -> None:
    if size <= limit:
        return
    unsigned = provider is not None
    raise WebhookError(
        TOO_LARGE,
        f"the payload has {size} bytes, more than the limit of {limit}"
        + (f" for {provider} deliveries without a secret" if unsigned else ""),
        where=Location(obj="webhook"),
        hint=(
            "configure the provider's webhook secret: signed deliveries may be larger"
            if unsigned
            else "raise the webhook payload limit if such pushes are expected"
        ),
    )


def detect_provider(headers: Mapping[str, str]) -> tuple[str, str]:
    """``(provider, event)`` from lower-cased header names."""
    if event := headers.get("x-github-event", "").strip():
        return GITHUB, event
    if event := headers.get("x-gitlab-event", "").strip():
        return GITLAB, event
    if event := headers.get("x-event-key", "").strip():
        cloud = "x-hook-uuid" in headers or event == "repo:push"
        return (BITBUCKET if cloud else BITBUCKET_SERVER), event
    raise WebhookError(
        UNKNOWN_PROVIDER,
        "no X-GitHub-Event, X-Gitlab-Event or X-Event-Key header: not a known git provider",
        where=Location(obj="webhook"),
        hint="gitward reads webhooks from GitHub, GitLab, Bitbucket Cloud and Bitbucket Server",
    )


def detect_provider_of(headers: Mapping[str, str]) -> str | None:
    """The provider lower-cased headers name, or None when they name none."""
    try:
        return detect_provider(headers)[0]
    except WebhookError:
        return None


def _verify(
    provider: str, headers: Mapping[str, str], body: bytes, secrets: WebhookSecrets
) -> None:
    signature = headers.get("x-hub-signature")
    if provider == GITHUB:
        signature_256 = headers.get("x-hub-signature-256")
        check_hmac_sha256(body, secrets.github, signature_256, "X-Hub-Signature-256", provider)
    elif provider == GITLAB:
        check_token(secrets.gitlab, headers.get("x-gitlab-token"), "X-Gitlab-Token", provider)
    elif provider == BITBUCKET:
        check_hmac_sha256(body, secrets.bitbucket, signature, "X-Hub-Signature", provider)
        check_token(secrets.bitbucket_uuid, headers.get("x-hook-uuid"), "X-Hook-UUID", provider)
    else:
        check_hmac_sha256(body, secrets.bitbucket_server, signature, "X-Hub-Signature", provider)
