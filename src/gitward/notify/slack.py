"""Argo CD's Slack service: ``chat.postMessage`` with the bot token, one message per template.

``service.slack`` takes ``token`` (``$slack-token``), ``apiURL`` (default
``https://slack.com/api/``; Slack-compatible servers and tests point it elsewhere),
``username``, ``icon`` (an emoji ``:x:`` or an image URL) and ``insecureSkipVerify``. The
recipient is the channel. A template gives ``message`` as the text and, in its ``slack``
section, ``attachments`` and ``blocks`` as JSON strings. Only ``deliveryPolicy: Post`` is
done (a new message each time; ``Update`` and ``groupingKey`` threads are not). A 429 or 5xx,
or Slack's ``ratelimited``, is worth retrying; another ``ok: false`` is not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError, DeliveryRetryError

__all__ = ["DEFAULT_API_URL", "post_to_slack"]

DEFAULT_API_URL = "https://slack.com/api/"


async def post_to_slack(
    client: httpx.AsyncClient,
    service: Service,
    recipient: str,
    rendered: Mapping[str, Mapping[str, Any]],
) -> int:
    """Post each template's message to the channel; returns how many were posted."""
    options = service.options
    if not recipient:
        raise DeliveryError(f"service.{service.name}: a Slack subscription needs a channel")
    url = str(options.get("apiURL") or DEFAULT_API_URL).rstrip("/") + "/chat.postMessage"
    headers = {"Authorization": f"Bearer {options.get('token', '')}"}
    for name, fields in rendered.items():
        body = _message(options, recipient, name, fields)
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as err:
            raise DeliveryRetryError(f"Slack {url}: {type(err).__name__}") from err
        _check(url, response)
    return len(rendered)


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


def _check(url: str, response: httpx.Response) -> None:
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
