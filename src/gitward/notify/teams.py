"""Argo CD's Microsoft Teams service: an Office 365 connector card posted to a channel's
incoming-webhook URL.

``service.teams`` takes ``recipientUrls`` (a map of channel name to webhook URL, usually from
the Secret); the recipient names the channel. A template's ``message`` is the card's text and
its ``teams`` section gives ``title``, ``summary``, ``themeColor``, ``facts``, ``sections`` and
``potentialAction`` (the last three JSON after rendering), or ``template``: a whole card as
JSON, sent as it is. A 429 or 5xx is worth retrying; another 4xx is not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import yaml

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError, DeliveryRetryError

__all__ = ["post_to_teams"]


async def post_to_teams(
    client: httpx.AsyncClient,
    service: Service,
    recipient: str,
    rendered: Mapping[str, Mapping[str, Any]],
) -> int:
    """Post one card per template to the recipient channel's webhook; returns how many."""
    urls = service.options.get("recipientUrls") or {}
    url = str(urls.get(recipient) or "") if isinstance(urls, Mapping) else ""
    if not url:
        raise DeliveryError(f"service.{service.name}: recipientUrls has no channel {recipient!r}")
    for name, fields in rendered.items():
        card = _card(name, fields)
        try:
            response = await client.post(url, json=card)
        except httpx.HTTPError as err:
            raise DeliveryRetryError(f"Teams channel {recipient}: {type(err).__name__}") from err
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryRetryError(f"Teams channel {recipient} answered {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryError(f"Teams channel {recipient} answered {response.status_code}")
    return len(rendered)


def _card(template: str, fields: Mapping[str, Any]) -> Any:
    if str(fields.get("teams.template") or "").strip():
        return _json(template, "template", fields)
    title = str(fields.get("teams.title") or "")
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "title": title,
        "summary": str(fields.get("teams.summary") or title),
        "text": str(fields.get("message", "")),
    }
    if fields.get("teams.themeColor"):
        card["themeColor"] = str(fields["teams.themeColor"])
    sections = list(_json(template, "sections", fields) or [])
    facts = _json(template, "facts", fields)
    if facts:
        sections.insert(0, {"facts": facts})
    if sections:
        card["sections"] = sections
    actions = _json(template, "potentialAction", fields)
    if actions:
        card["potentialAction"] = actions
    return card


def _json(template: str, part: str, fields: Mapping[str, Any]) -> Any:
    text = str(fields.get(f"teams.{part}") or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as err:
        problem = err
    try:  # the catalogue's cards end objects with a comma, which YAML's flow style allows
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise DeliveryError(
            f"template {template}: teams.{part} is not JSON after rendering: {problem}"
        ) from problem
