"""Argo CD's Teams Workflows service (the successor of Office 365 connectors): an Adaptive Card
in a Teams message, posted to a Power Automate workflow's webhook.

``service.teams-workflows`` takes ``recipientUrls`` (channel name → webhook URL, usually from
the Secret). A template's ``teams-workflows`` section gives ``adaptiveCard`` (a whole card as
JSON, sent as it is inside the message envelope), ``template`` (a whole message, sent as it is)
or the fields Argo CD converts: ``title`` (a large bold text block, coloured by
``themeColor``), ``text`` (the ``message`` when empty), ``facts`` and ``sections[].facts``
(fact sets), ``potentialAction`` (``OpenUri`` actions become ``Action.OpenUrl``). It must not
decide what is due.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError
from gitward.notify.posting import option, rendered_json, send

__all__ = ["adaptive_message", "post_to_teams_workflows"]

_PREFIX = "teams-workflows"


async def post_to_teams_workflows(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Mapping[str, Any]
) -> int:
    urls = option(service.options, "recipientUrls") or {}
    url = str(urls.get(recipient) or "") if isinstance(urls, Mapping) else ""
    if not url:
        raise DeliveryError(f"service.{service.name}: recipientUrls has no channel {recipient!r}")
    for name, fields in rendered.items():
        message = adaptive_message(name, fields)
        await send(client, f"Teams workflow {recipient}", "POST", url, json_body=message)
    return len(rendered)


def adaptive_message(template: str, fields: Mapping[str, Any]) -> Any:
    """The message a workflow's webhook takes, from one template's rendered fields."""
    whole = rendered_json(template, f"{_PREFIX}.template", fields.get(f"{_PREFIX}.template"))
    if whole:
        return whole
    card = rendered_json(template, f"{_PREFIX}.adaptiveCard", fields.get(f"{_PREFIX}.adaptiveCard"))
    content = card or _card(template, fields)
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": content}
    return {"type": "message", "attachments": [attachment]}


def _card(template: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    def part(name: str) -> Any:
        return rendered_json(template, f"{_PREFIX}.{name}", fields.get(f"{_PREFIX}.{name}"))

    body: list[dict[str, Any]] = []
    title = str(fields.get(f"{_PREFIX}.title") or "").strip()
    if title:
        heading = {"type": "TextBlock", "text": title, "size": "Large", "weight": "Bolder"}
        color = str(fields.get(f"{_PREFIX}.themeColor") or "").strip()
        body.append({**heading, "wrap": True, **({"color": color} if color else {})})
    text = str(fields.get(f"{_PREFIX}.text") or fields.get("message") or "").strip()
    if text:
        body.append({"type": "TextBlock", "text": text, "wrap": True})
    fact_lists = [part("facts") or []]
    fact_lists += [s.get("facts") or [] for s in part("sections") or [] if isinstance(s, Mapping)]
    for facts in fact_lists:
        if facts:
            body.append({"type": "FactSet", "facts": [_fact(fact) for fact in facts]})
    card: dict[str, Any] = {"type": "AdaptiveCard", "version": "1.4", "body": body}
    actions = [_action(item) for item in part("potentialAction") or [] if _opens(item)]
    if actions:
        card["actions"] = actions
    return card


def _fact(fact: Any) -> dict[str, str]:
    given = fact if isinstance(fact, Mapping) else {}
    return {
        "title": str(given.get("name", given.get("title", ""))),
        "value": str(given.get("value", "")),
    }


def _opens(item: Any) -> bool:
    return isinstance(item, Mapping) and item.get("@type") == "OpenUri"


def _action(item: Mapping[str, Any]) -> dict[str, str]:
    targets = item.get("targets") or [{}]
    target = targets[0] if isinstance(targets[0], Mapping) else {}
    return {
        "type": "Action.OpenUrl",
        "title": str(item.get("name", "")),
        "url": str(target.get("uri", "")),
    }
