"""Argo CD's incident and observability services: PagerDuty (Events API v2), Opsgenie,
Prometheus Alertmanager, Grafana annotations and New Relic deployment markers, one request per
template.

``pagerdutyv2``: ``serviceKeys`` maps the recipient to an integration key; an event
``trigger`` with the template's ``pagerdutyv2`` ``summary``, ``severity``, ``source``
(required), ``component``, ``group``, ``class`` and ``url`` (a link). ``opsgenie``: ``apiUrl``
and ``apiKeys`` (recipient team → key); an alert with the ``message``, the template's
``opsgenie`` ``description`` (required), ``priority``, ``alias``, ``note``, ``tags``,
``entity``, ``user``, ``actions``, ``details``, the team as responder, source "Argo CD".
``alertmanager``: ``targets``, ``scheme``, ``apiPath``, ``basicAuth`` or ``bearerToken``; an
alert with the template's ``labels`` (``alertname`` the template's name unless given),
``annotations`` and ``generatorURL`` (the app's repository unless given), to every target;
delivered when one accepts. ``grafana``: ``apiUrl`` and ``apiKey``; an annotation now with the
``message`` as text and the recipient's ``|``-separated tags. ``newrelic``: ``apiURL`` and
``apiKey``; a deployment marker on the recipient application id with the template's
``newrelic`` ``revision`` (the sync's), ``description`` (the ``message``), ``changelog`` and
``user`` (the commit's message and author). ``apiURL`` (any case) overrides each service's API
address. It must not decide what is due.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError
from gitward.notify.posting import api_url, option, section, send

__all__ = [
    "NEWRELIC_DEFAULTS",
    "post_to_alertmanager",
    "post_to_grafana",
    "post_to_newrelic",
    "post_to_opsgenie",
    "post_to_pagerduty",
]

Rendered = Mapping[str, Mapping[str, Any]]
PAGERDUTY_URL = "https://events.pagerduty.com"
OPSGENIE_URL = "https://api.opsgenie.com"
NEWRELIC_URL = "https://api.newrelic.com"
NEWRELIC_DEFAULTS = {
    "newrelic.revision": "{{.app.status.operationState.syncResult.revision}}",
    "newrelic.changelog": "{{(call .repo.GetCommitMetadata .app.status.sync.revision).Message}}",
    "newrelic.user": "{{(call .repo.GetCommitMetadata .app.status.sync.revision).Author}}",
}
"""What a New Relic marker says when the template does not, as Argo CD defaults them."""


def _keyed(service: Service, field: str, recipient: str) -> str:
    keys = option(service.options, field) or {}
    key = str(keys.get(recipient) or "") if isinstance(keys, Mapping) else ""
    if not key:
        raise DeliveryError(f"service.{service.name}: {field} has no key for {recipient!r}")
    return key


async def post_to_pagerduty(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    key = _keyed(service, "serviceKeys", recipient)
    url = api_url(option(service.options, "apiURL"), PAGERDUTY_URL) + "/v2/enqueue"
    for name, fields in rendered.items():
        event = section(fields, service.type)
        missing = [part for part in ("summary", "severity", "source") if not event.get(part)]
        if missing:
            raise DeliveryError(f"template {name}: pagerdutyv2 needs {', '.join(missing)}")
        payload = {
            part: str(event[part])
            for part in ("summary", "severity", "source", "component", "group", "class")
            if event.get(part)
        }
        body: dict[str, Any] = {"routing_key": key, "event_action": "trigger", "payload": payload}
        if event.get("url"):
            body["links"] = [{"href": str(event["url"]), "text": "View in Argo CD"}]
        await send(client, "PagerDuty", "POST", url, json_body=body)
    return len(rendered)


_OPSGENIE_FIELDS = ("priority", "alias", "note", "entity", "user")


async def post_to_opsgenie(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    key = _keyed(service, "apiKeys", recipient)
    url = api_url(option(service.options, "apiUrl"), OPSGENIE_URL) + "/v2/alerts"
    headers = {"Authorization": f"GenieKey {key}"}
    for name, fields in rendered.items():
        alert = section(fields, "opsgenie")
        if not alert.get("description"):
            raise DeliveryError(f"template {name}: opsgenie needs a description")
        body: dict[str, Any] = {
            "message": str(fields.get("message", "")).strip(),
            "description": str(alert["description"]),
            "responders": [{"type": "team", "id": recipient}],
            "source": "Argo CD",
        }
        body.update({part: str(alert[part]) for part in _OPSGENIE_FIELDS if alert.get(part)})
        for part in ("tags", "actions", "visibleTo"):
            if alert.get(part):
                body[part] = _listed(alert[part])
        if isinstance(alert.get("details"), Mapping):
            body["details"] = {str(k): str(v) for k, v in alert["details"].items()}
        await send(client, "Opsgenie", "POST", url, json_body=body, headers=headers)
    return len(rendered)


def _listed(value: Any) -> list[str]:
    """A list field rendered as a JSON array, or a comma-separated string."""
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(item) for item in json.loads(text)]
        except ValueError:
            pass
    return [part.strip() for part in text.split(",") if part.strip()]


async def post_to_alertmanager(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    options = service.options
    targets = [str(target) for target in option(options, "targets") or []]
    if not targets:
        raise DeliveryError(f"service.{service.name}: alertmanager needs targets")
    scheme = str(option(options, "scheme") or "http")
    path = "/" + str(option(options, "apiPath") or "/api/v2/alerts").lstrip("/")
    auth, headers = _alertmanager_auth(options)
    alerts = [_alert(name, fields) for name, fields in rendered.items()]
    failures: list[DeliveryError] = []
    for target in targets:
        url = f"{scheme}://{target}{path}"
        try:
            await send(
                client, "Alertmanager", "POST", url, json_body=alerts, headers=headers, auth=auth
            )
        except DeliveryError as err:
            failures.append(err)
    if len(failures) == len(targets):
        raise failures[-1]
    return len(alerts)


def _alertmanager_auth(
    options: Mapping[str, Any],
) -> tuple[tuple[str, str] | None, dict[str, str]]:
    basic = option(options, "basicAuth") or {}
    if isinstance(basic, Mapping) and basic.get("username"):
        return (str(basic["username"]), str(basic.get("password", ""))), {}
    token = str(option(options, "bearerToken") or "")
    return None, ({"Authorization": f"Bearer {token}"} if token else {})


def _alert(template: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    given = section(fields, "alertmanager")
    labels = {str(k): str(v) for k, v in dict(given.get("labels") or {}).items()}
    labels.setdefault("alertname", template)
    annotations = {str(k): str(v) for k, v in dict(given.get("annotations") or {}).items()}
    alert: dict[str, Any] = {"labels": labels, "annotations": annotations}
    if given.get("generatorURL"):
        alert["generatorURL"] = str(given["generatorURL"])
    return alert


async def post_to_grafana(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    url = api_url(option(service.options, "apiUrl"), "") + "/annotations"
    if url == "https:///annotations":
        raise DeliveryError(f"service.{service.name}: grafana needs an apiUrl")
    headers = {"Authorization": f"Bearer {option(service.options, 'apiKey') or ''}"}
    tags = [tag for tag in recipient.split("|") if tag]
    for fields in rendered.values():
        body = {
            "time": int(time.time() * 1000),
            "isRegion": False,
            "tags": tags,
            "text": str(fields.get("message", "")).strip(),
        }
        await send(client, "Grafana", "POST", url, json_body=body, headers=headers)
    return len(rendered)


async def post_to_newrelic(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Rendered
) -> int:
    """A deployment marker on the recipient New Relic application id."""
    if not recipient:
        raise DeliveryError(f"service.{service.name}: a New Relic subscription needs an app id")
    url = api_url(option(service.options, "apiURL"), NEWRELIC_URL)
    url += f"/v2/applications/{recipient}/deployments.json"
    headers = {"X-Api-Key": str(option(service.options, "apiKey") or "")}
    for fields in rendered.values():
        given = section(fields, "newrelic")
        marker = {
            "revision": str(given.get("revision", "")),
            "description": str(given.get("description") or fields.get("message", "")).strip(),
            "changelog": str(given.get("changelog", "")),
            "user": str(given.get("user", "")),
        }
        body = {"deployment": {key: value for key, value in marker.items() if value}}
        await send(client, "New Relic", "POST", url, json_body=body, headers=headers)
    return len(rendered)
