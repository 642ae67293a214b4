"""One HTTP request to a notification service's API, with the verdict every service shares: a
connection failure, a timeout, a 5xx or a 429 is worth retrying; another 4xx is a refusal.

Messages name the service and the URL without its query (where chat webhooks keep their keys)
and never the request's headers or body. It must not decide what to send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import yaml

from gitward.notify.failures import DeliveryError, DeliveryRetryError
from gitward.redaction import redact

__all__ = ["answer_json", "api_url", "option", "rendered_json", "section", "send"]


async def send(
    client: httpx.AsyncClient,
    what: str,
    method: str,
    url: str,
    *,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    shown_url: str = "",
) -> httpx.Response:
    """The response of a request that succeeded (2xx or 3xx); ``shown_url`` stands for the URL
    in messages when the URL itself holds a credential (Telegram's bot token)."""
    shown = f"{what}: {method} {shown_url or redact(url.split('?', 1)[0])}"
    try:
        response = await client.request(
            method, url, json=json_body, headers=dict(headers or {}), auth=auth
        )
    except httpx.HTTPError as err:
        raise DeliveryRetryError(f"{shown}: {type(err).__name__}") from err
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryRetryError(f"{shown} answered {response.status_code}")
    if response.status_code >= 400:
        raise DeliveryError(f"{shown} answered {response.status_code}{_reason(response)}")
    return response


def _reason(response: httpx.Response) -> str:
    """A short reason from a JSON error answer (``message``/``description``/``error``)."""
    answer = answer_json(response)
    for key in ("message", "description", "error"):
        if isinstance(answer.get(key), str):
            return f": {answer[key][:200]}"
    return ""


def answer_json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def api_url(value: Any, default: str) -> str:
    """A service's base URL without a trailing slash; ``https://`` when only a host is given."""
    url = str(value or default).rstrip("/")
    return url if "://" in url else f"https://{url}"


def rendered_json(template: str, field: str, text: Any) -> Any:
    """A template field that must be JSON (or YAML) after rendering; None when empty."""
    source = str(text or "").strip()
    if not source:
        return None
    try:
        return json.loads(source)
    except ValueError as err:
        problem = err
    try:  # the docs write some of these (Google Chat cards) in YAML
        return yaml.safe_load(source)
    except yaml.YAMLError:
        raise DeliveryError(
            f"template {template}: {field} is not JSON after rendering: {problem}"
        ) from problem


def option(options: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """A service option by name, case-insensitively as Go's JSON decoding reads Argo CD's
    (``apiUrl`` and ``apiURL`` are the same option)."""
    if name in options:
        return options[name]
    wanted = name.lower()
    for key, value in options.items():
        if str(key).lower() == wanted:
            return value
    return default


def section(fields: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The rendered fields under ``prefix.`` as a nested map (``alertmanager.labels.a`` →
    ``{"labels": {"a": …}}``)."""
    found: dict[str, Any] = {}
    for key, value in fields.items():
        if not key.startswith(prefix + "."):
            continue
        *parents, last = key.removeprefix(prefix + ".").split(".")
        holder = found
        for parent in parents:
            holder = holder.setdefault(parent, {})
        holder[last] = value
    return found
