"""Argo CD's chat services besides Slack and Teams: Telegram, Google Chat, Mattermost,
Rocket.Chat, Webex and Pushover, one message per template.

``telegram``: ``token``; the recipient is a channel's username (sent to ``@username``) or a
chat id (``-100…``), optionally ``|thread``; the ``message`` in Markdown. ``googlechat``:
``webhooks`` (space name → webhook URL); the ``message`` as text and the template's
``googlechat.cards`` / ``cardsV2`` (JSON or YAML after rendering), in the thread
``googlechat.threadKey`` when given. ``mattermost``: ``apiURL`` and ``token``; a post to the
recipient channel id with the template's ``mattermost.attachments``. ``rocketchat``: ``email``
and ``password`` (a login first), ``serverUrl``, ``alias``, ``icon``, ``avatar``; the
recipient is ``#channel``, ``@user`` or a room id, with ``rocketchat.attachments``. ``webex``:
``token``; the recipient is a person's email or a room id, the ``message`` in Markdown.
``pushover``: ``token``; the ``message`` to the recipient user key.
``apiURL`` (any case) overrides Telegram's and Webex's API address. It must not decide what is
due.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError, DeliveryRetryError
from gitward.notify.posting import answer_json, api_url, option, rendered_json, send

__all__ = [
    "post_to_googlechat",
    "post_to_mattermost",
    "post_to_pushover",
    "post_to_rocketchat",
    "post_to_telegram",
    "post_to_webex",
]

Rendered = Mapping[str, Mapping[str, Any]]
TELEGRAM_URL = "https://api.telegram.org"
WEBEX_URL = "https://webexapis.com"
ROCKETCHAT_URL = "https://open.rocket.chat"
PUSHOVER_URL = "https://api.pushover.net"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _text(fields: Mapping[str, Any]) -> str:
    return str(fields.get("message", ""))


async def post_to_telegram(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    token = str(option(service.options, "token") or "")
    base = api_url(option(service.options, "apiURL"), TELEGRAM_URL)
    url = f"{base}/bot{token}/sendMessage"
    chat, _, thread = recipient.partition("|")
    target: int | str = int(chat) if chat.lstrip("-").isdigit() else f"@{chat.lstrip('@')}"
    for fields in rendered.values():
        body: dict[str, Any] = {"chat_id": target, "text": _text(fields), "parse_mode": "Markdown"}
        if thread.isdigit():
            body["message_thread_id"] = int(thread)
        shown = f"{base}/bot…/sendMessage"
        answer = answer_json(
            await send(client, "Telegram", "POST", url, json_body=body, shown_url=shown)
        )
        if answer.get("ok") is not True:
            raise DeliveryError(f"Telegram refused the message: {answer.get('description', '')}")
    return len(rendered)


async def post_to_googlechat(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    hooks = option(service.options, "webhooks") or {}
    url = str(hooks.get(recipient) or "") if isinstance(hooks, Mapping) else ""
    if not url:
        raise DeliveryError(f"service.{service.name}: webhooks has no space {recipient!r}")
    for name, fields in rendered.items():
        body: dict[str, Any] = {}
        if _text(fields).strip():
            body["text"] = _text(fields)
        for part in ("cards", "cardsV2"):
            cards = rendered_json(name, f"googlechat.{part}", fields.get(f"googlechat.{part}"))
            if cards:
                body[part] = cards
        target = url
        thread = str(fields.get("googlechat.threadKey") or "").strip()
        if thread:
            params = {
                "threadKey": thread,
                "messageReplyOption": "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
            }
            target = str(httpx.URL(url).copy_merge_params(params))
        await send(client, f"Google Chat space {recipient}", "POST", target, json_body=body)
    return len(rendered)


async def post_to_mattermost(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    base = api_url(option(service.options, "apiURL"), "")
    headers = {"Authorization": f"Bearer {option(service.options, 'token') or ''}"}
    for name, fields in rendered.items():
        body: dict[str, Any] = {"channel_id": recipient, "message": _text(fields)}
        attachments = rendered_json(
            name, "mattermost.attachments", fields.get("mattermost.attachments")
        )
        if attachments:
            body["props"] = {"attachments": attachments}
        await send(
            client, "Mattermost", "POST", f"{base}/api/v4/posts", json_body=body, headers=headers
        )
    return len(rendered)


async def post_to_rocketchat(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    options = service.options
    base = api_url(option(options, "serverUrl"), ROCKETCHAT_URL)
    headers = await _rocketchat_login(client, base, options)
    for name, fields in rendered.items():
        body: dict[str, Any] = {"channel": recipient, "text": _text(fields)}
        for field, key in (("alias", "alias"), ("icon", "emoji"), ("avatar", "avatar")):
            if option(options, field):
                body[key] = str(option(options, field))
        attachments = rendered_json(
            name, "rocketchat.attachments", fields.get("rocketchat.attachments")
        )
        if attachments:
            body["attachments"] = attachments
        url = f"{base}/api/v1/chat.postMessage"
        answer = answer_json(
            await send(client, "Rocket.Chat", "POST", url, json_body=body, headers=headers)
        )
        if answer.get("success") is False:
            raise DeliveryError(f"Rocket.Chat refused the message: {answer.get('error', '')}")
    return len(rendered)


async def _rocketchat_login(
    client: httpx.AsyncClient, base: str, options: Mapping[str, Any]
) -> dict[str, str]:
    login = {
        "user": str(option(options, "email") or ""),
        "password": str(option(options, "password") or ""),
    }
    answer = answer_json(
        await send(client, "Rocket.Chat login", "POST", f"{base}/api/v1/login", json_body=login)
    )
    data = answer.get("data")
    data = data if isinstance(data, dict) else {}
    token, user = str(data.get("authToken") or ""), str(data.get("userId") or "")
    if not token or not user:
        raise DeliveryRetryError("Rocket.Chat login answered without a token")
    return {"X-Auth-Token": token, "X-User-Id": user}


async def post_to_webex(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    url = api_url(option(service.options, "apiURL"), WEBEX_URL) + "/v1/messages"
    headers = {"Authorization": f"Bearer {option(service.options, 'token') or ''}"}
    target = {"toPersonEmail": recipient} if _EMAIL.match(recipient) else {"roomId": recipient}
    for fields in rendered.values():
        body = {**target, "markdown": _text(fields)}
        await send(client, "Webex", "POST", url, json_body=body, headers=headers)
    return len(rendered)


async def post_to_pushover(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    """A Pushover message to the recipient user (or group) key."""
    url = api_url(option(service.options, "apiURL"), PUSHOVER_URL) + "/1/messages.json"
    token = str(option(service.options, "token") or "")
    for fields in rendered.values():
        body = {"token": token, "user": recipient, "message": _text(fields).strip() or "-"}
        answer = answer_json(await send(client, "Pushover", "POST", url, json_body=body))
        if answer.get("status") != 1:
            raise DeliveryError(f"Pushover refused the message: {answer.get('errors', '')}")
    return len(rendered)
