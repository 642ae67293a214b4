"""Argo CD's Slack service: ``chat.postMessage`` with the bot token, one message per template.

``service.slack`` takes ``token`` (``$slack-token``), ``apiURL`` (default
``https://slack.com/api/``; Slack-compatible servers and tests point it elsewhere),
``username``, ``icon`` (an emoji ``:x:`` or an image URL) and ``insecureSkipVerify``. The
recipient is the channel. A template gives ``message`` as the text and, in its ``slack``
section, ``attachments`` and ``blocks`` as JSON strings, and ``groupingKey``,
``notifyBroadcast`` and ``deliveryPolicy`` as Argo CD does: with a grouping key, the first
message of the key in a channel is posted and remembered (its channel id and ``ts``, in
:class:`Threads`); with ``Post`` the next ones are replies in its thread (also shown in the
channel with ``notifyBroadcast``), with ``PostAndUpdate`` they replace it (``chat.update``),
with ``Update`` they replace it and nothing is posted while there is none. A 429 or 5xx, or
Slack's ``ratelimited``, is worth retrying; another ``ok: false`` is not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol

import httpx

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError, DeliveryRetryError

__all__ = ["DEFAULT_API_URL", "MemoryThreads", "Threads", "post_to_slack"]

DEFAULT_API_URL = "https://slack.com/api/"


class Threads(Protocol):
    """Where the first message of each grouping key is remembered (``{"channel", "ts"}``)."""

    async def recall(self, key: str) -> Mapping[str, Any] | None: ...

    async def remember(self, key: str, message: Mapping[str, Any]) -> None: ...


class MemoryThreads:
    """:class:`Threads` in this process only (as Argo CD keeps them)."""

    def __init__(self) -> None:
        self._found: dict[str, Mapping[str, Any]] = {}

    async def recall(self, key: str) -> Mapping[str, Any] | None:
        return self._found.get(key)

    async def remember(self, key: str, message: Mapping[str, Any]) -> None:
        self._found[key] = dict(message)


async def post_to_slack(
    client: httpx.AsyncClient,
    service: Service,
    recipient: str,
    rendered: Mapping[str, Mapping[str, Any]],
    threads: Threads,
) -> int:
    """Post (or update) each template's message in the channel; returns how many went out."""
    options = service.options
    if not recipient:
        raise DeliveryError(f"service.{service.name}: a Slack subscription needs a channel")
    api = str(options.get("apiURL") or DEFAULT_API_URL).rstrip("/")
    headers = {"Authorization": f"Bearer {options.get('token', '')}"}
    sent = 0
    for name, fields in rendered.items():
        body = _message(options, recipient, name, fields)
        grouping = str(fields.get("slack.groupingKey") or "").strip()
        policy = str(fields.get("slack.deliveryPolicy") or "Post").strip() or "Post"
        key = _thread_key(service.name, recipient, grouping) if grouping else ""
        first = await threads.recall(key) if key else None
        if first is not None and policy in ("PostAndUpdate", "Update"):
            body.update(channel=first["channel"], ts=first["ts"])
            await _call(client, f"{api}/chat.update", body, headers)
        elif first is None and policy == "Update" and key:
            continue  # nothing to update yet: Argo CD sends nothing either
        else:
            if first is not None:
                body["thread_ts"] = first["ts"]
                body["reply_broadcast"] = _true(fields.get("slack.notifyBroadcast"))
            answer = await _call(client, f"{api}/chat.postMessage", body, headers)
            if key and first is None:
                await threads.remember(
                    key, {"channel": answer.get("channel"), "ts": answer.get("ts")}
                )
        sent += 1
    return sent


def _thread_key(service: str, channel: str, grouping: str) -> str:
    return hashlib.sha256(
        json.dumps(["slack-thread", service, channel, grouping]).encode()
    ).hexdigest()


def _true(value: Any) -> bool:
    return str(value or "").strip().lower() == "true"


async def _call(
    client: httpx.AsyncClient, url: str, body: Mapping[str, Any], headers: Mapping[str, str]
) -> dict[str, Any]:
    try:
        response = await client.post(url, json=dict(body), headers=dict(headers))
    except httpx.HTTPError as err:
        raise DeliveryRetryError(f"Slack {url}: {type(err).__name__}") from err
    return _check(url, response)


def _message(
    options: Mapping[str, Any], channel: str, template: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": channel, "text": str(fields.get("message", ""))}
    for part in ("attachments", "blocks"):
        text = str(fields.get(f"slack.{part}") or "").strip()
        if text:
            try:
                body[part] = json.loads(text)
            except ValueError as err:
                raise DeliveryError(
                    f"template {template}: slack.{part} is not JSON after rendering: {err}"
                ) from err
    if options.get("username"):
        body["username"] = str(options["username"])
    icon = str(options.get("icon") or "")
    if icon:
        body["icon_emoji" if icon.startswith(":") else "icon_url"] = icon
    return body


def _check(url: str, response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryRetryError(f"Slack {url} answered {response.status_code}")
    if response.status_code >= 400:
        raise DeliveryError(f"Slack {url} answered {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        error = str(answer.get("error", "no ok in the answer")) if isinstance(answer, dict) else ""
        kind = DeliveryRetryError if error == "ratelimited" else DeliveryError
        raise kind(f"Slack refused the message: {error}")
    return answer
