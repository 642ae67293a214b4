"""Sending one rendered notification to one service: Argo CD's webhook and email services here,
the others in their modules (``slack``, ``teams``, ``teamsworkflows``, ``github``,
``incidents``: PagerDuty, Opsgenie, Alertmanager, Grafana, New Relic; ``chats``: Telegram,
Google Chat, Mattermost, Rocket.Chat, Webex, Pushover).

``webhook``: for each template with a ``webhook.<service name>`` section, an HTTP request to the
service's ``url`` + the section's ``path``, with its ``method`` (GET unless given) and ``body``,
the service's ``headers`` (``[{name, value}]``) and ``basicAuth``; a template without a section
for the service sends nothing to it, as in Argo CD. ``email``: one message per template to the
recipient, subject ``email.subject``, body ``email.body`` or ``message`` (HTML when the service
says ``html: true``), over SMTP (SSL on port 465, STARTTLS when the server offers it, login when
a username is given). Other service types (``awssqs``, ``pagerduty`` v1, ``nats``…) fail with a
message saying they are not supported yet.

A transient failure (connection, timeout, 5xx, 429, SMTP 4xx) is a :class:`DeliveryRetryError`; any
other a :class:`DeliveryError`. Messages never carry the service's credentials. The transports
are seams: tests may pass their own ``httpx`` transport.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Any

import httpx

from gitward.notify import chats, incidents
from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError, DeliveryRetryError
from gitward.notify.github import post_to_github
from gitward.notify.posting import option
from gitward.notify.slack import MemoryThreads, Threads, post_to_slack
from gitward.notify.teams import post_to_teams
from gitward.notify.teamsworkflows import post_to_teams_workflows
from gitward.redaction import redact

__all__ = ["SUPPORTED", "DeliveryError", "DeliveryRetryError", "Sender"]

TIMEOUT_S = 10.0
_POSTERS = {
    "teams": post_to_teams,
    "teams-workflows": post_to_teams_workflows,
    "github": post_to_github,
    "pagerdutyv2": incidents.post_to_pagerduty,
    "opsgenie": incidents.post_to_opsgenie,
    "alertmanager": incidents.post_to_alertmanager,
    "grafana": incidents.post_to_grafana,
    "newrelic": incidents.post_to_newrelic,
    "pushover": chats.post_to_pushover,
    "telegram": chats.post_to_telegram,
    "googlechat": chats.post_to_googlechat,
    "mattermost": chats.post_to_mattermost,
    "rocketchat": chats.post_to_rocketchat,
    "webex": chats.post_to_webex,
}
SUPPORTED = ("webhook", "email", "slack", *_POSTERS)


class Sender:
    """Delivers rendered notifications (``{template: {field: text}}``) to services."""

    def __init__(
        self, transport: httpx.AsyncBaseTransport | None = None, timeout: float = TIMEOUT_S
    ) -> None:
        self._transport = transport
        self._timeout = timeout
        self._threads = MemoryThreads()

    async def send(
        self,
        service: Service,
        recipient: str,
        rendered: Mapping[str, Mapping[str, Any]],
        secrets: Sequence[str],
        threads: Threads | None = None,
    ) -> int:
        """Deliver; returns how many messages went out. ``threads`` remembers Slack's grouped
        messages (in this process when not given)."""
        try:
            if service.type == "webhook":
                return await self._webhook(service, rendered)
            if service.type == "email":
                return await asyncio.to_thread(_email, service, recipient, rendered, self._timeout)
            if service.type in _POSTERS or service.type == "slack":
                return await self._post(service, recipient, rendered, threads or self._threads)
        except DeliveryError as err:
            raise type(err)(redact(err.problem, *secrets)) from None
        raise DeliveryError(
            f"service type {service.type} ({service.name}) is not supported yet; "
            f"gitward sends to {', '.join(SUPPORTED)} services"
        )

    async def _post(
        self,
        service: Service,
        recipient: str,
        rendered: Mapping[str, Mapping[str, Any]],
        threads: Threads,
    ) -> int:
        verify = not option(service.options, "insecureSkipVerify", False)
        async with httpx.AsyncClient(
            transport=self._transport, timeout=self._timeout, verify=verify
        ) as client:
            if service.type == "slack":
                return await post_to_slack(client, service, recipient, rendered, threads)
            return await _POSTERS[service.type](client, service, recipient, rendered)

    async def _webhook(self, service: Service, rendered: Mapping[str, Mapping[str, Any]]) -> int:
        options = service.options
        url = str(options.get("url") or "")
        if not url:
            raise DeliveryError(f"service.webhook.{service.name} has no url")
        headers = {
            str(item.get("name")): str(item.get("value", ""))
            for item in options.get("headers") or []
            if isinstance(item, Mapping) and item.get("name")
        }
        auth = options.get("basicAuth") or {}
        basic = (str(auth.get("username", "")), str(auth.get("password", ""))) if auth else None
        sent = 0
        async with httpx.AsyncClient(
            transport=self._transport,
            timeout=self._timeout,
            verify=not options.get("insecureSkipVerify", False),
        ) as client:
            for fields in rendered.values():
                section = _section(fields, f"webhook.{service.name}")
                if section is None:
                    continue
                await _request(client, url, section, headers, basic)
                sent += 1
        return sent


def _section(fields: Mapping[str, Any], prefix: str) -> dict[str, str] | None:
    found = {
        key.removeprefix(prefix + "."): str(value)
        for key, value in fields.items()
        if key.startswith(prefix + ".")
    }
    return found or None


async def _request(
    client: httpx.AsyncClient,
    url: str,
    section: Mapping[str, str],
    headers: Mapping[str, str],
    basic: tuple[str, str] | None,
) -> None:
    target = url.rstrip("/") + section.get("path", "") if section.get("path") else url
    method = (section.get("method") or "GET").upper()
    try:
        response = await client.request(
            method, target, content=section.get("body", "").encode(), headers=headers, auth=basic
        )
    except httpx.HTTPError as err:
        raise DeliveryRetryError(f"{method} {redact(target)}: {type(err).__name__}: {err}") from err
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryRetryError(f"{method} {redact(target)} answered {response.status_code}")
    if response.status_code >= 400:
        raise DeliveryError(f"{method} {redact(target)} answered {response.status_code}")


def _email(
    service: Service, recipient: str, rendered: Mapping[str, Mapping[str, Any]], timeout: float
) -> int:
    options = service.options
    host, port = str(options.get("host") or ""), int(options.get("port") or 25)
    if not host or not recipient:
        raise DeliveryError(f"service.email {service.name}: needs a host and a recipient")
    messages = [_message(options, recipient, fields) for fields in rendered.values()]
    try:
        with _connect(host, port, options, timeout) as smtp:
            for message in messages:
                smtp.send_message(message)
    except smtplib.SMTPResponseException as err:
        kind = DeliveryRetryError if 400 <= err.smtp_code < 500 else DeliveryError
        raise kind(f"SMTP {host}:{port} answered {err.smtp_code}") from err
    except (OSError, smtplib.SMTPException) as err:
        raise DeliveryRetryError(f"SMTP {host}:{port}: {type(err).__name__}") from err
    return len(messages)


def _connect(host: str, port: int, options: Mapping[str, Any], timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if options.get("insecure_skip_verify"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=context)
    if options.get("username"):
        smtp.login(str(options["username"]), str(options.get("password", "")))
    return smtp


def _message(options: Mapping[str, Any], recipient: str, fields: Mapping[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = str(options.get("from") or options.get("username") or "gitward")
    message["To"] = recipient
    subject = str(fields.get("email.subject") or fields.get("message", ""))
    message["Subject"] = " ".join(subject.split())[:998]
    body = str(fields.get("email.body") or fields.get("message", ""))
    message.set_content(body, subtype="html" if options.get("html") else "plain")
    return message
