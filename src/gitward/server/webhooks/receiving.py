"""Receive one webhook delivery: size, provider, signature, then the payload, in that order.

``parse_webhook(headers, body, secrets)`` is the whole job of the API's webhook route apart from
reading the body (at most ``max_bytes`` + 1 bytes, so an oversized body is refused without
being read whole). The provider comes from its event header: ``X-GitHub-Event``,
``X-Gitlab-Event``, ``X-Event-Key`` (Bitbucket Cloud when ``X-Hook-UUID`` is present or the event
is ``repo:push``, Bitbucket Server otherwise). The signature is checked on the raw bytes before
anything is decoded. Pure: the only input is what the caller passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gitward.errors import Location
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

__all__ = ["detect_provider", "parse_webhook"]

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
) -> tuple[Push, ...]:
    """The pushes one delivery reports (one per changed ref; a ping gives one ``ping`` push).

    Raises ``WebhookError`` (with ``status`` 400, 401 or 413) for anything it refuses.
    """
    if len(body) > max_bytes:
        raise WebhookError(
            TOO_LARGE,
            f"the payload has {len(body)} bytes, more than the limit of {max_bytes}",
            where=Location(obj="webhook"),
            hint="raise the webhook payload limit if such pushes are expected",
        )
    lowered = {name.lower(): value for name, value in headers.items()}
    provider, event = detect_provider(lowered)
    _verify(provider, lowered, body, secrets or WebhookSecrets())
    payload = decode_json(body, lowered.get("content-type", ""), provider)
    return _PARSERS[provider](event, payload)


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
