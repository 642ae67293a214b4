"""One call to a Git host's API: bounded in time, retried a bounded number of times, and
failing with an error that names the host and the repository and says what to do.

A refused connection, a timeout, a 5xx or a 429 is tried again after each of ``retry_delays``
(by default 1 and 3 seconds: three attempts in all), then raised as
:class:`GitHostUnavailableError`. Retrying a ``POST`` that the host may have carried out before
failing is safe here: opening the same pull request again answers "already exists", which the
callers turn into the existing one.

The token travels in a request header only; no message built here contains it, and the host's
own error text is scrubbed of it before it is quoted. Redirects are never followed, so the
token is never sent to another address.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from gitward.delivery.pullrequests.failures import (
    GitHostError,
    GitHostRefusedError,
    GitHostUnavailableError,
)
from gitward.delivery.pullrequests.hosts import Host, HostKind
from gitward.delivery.pullrequests.links import PullRequestLink
from gitward.errors import Location
from gitward.redaction import redact

__all__ = ["TIMEOUT", "Api", "LinkFields", "api_message"]

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
"""A client made here waits this long; a caller's client keeps its own (httpx's default: 5 s)."""
_QUOTED_MAX = 300
_SCOPES = {
    HostKind.GITHUB: "Give the token write access to pull requests (a fine-grained token's "
    "'Pull requests: Read and write', or a classic token's 'repo' scope)",
    HostKind.GITLAB: "Give the token the 'api' scope and at least the Developer role on the "
    "project",
}


@dataclass(frozen=True, slots=True)
class LinkFields:
    """Where a host's pull request object keeps its page and its number."""

    url: str
    number: str


@dataclass(frozen=True)
class Api:
    """The API of ``host`` at ``base_url``, called with ``headers`` (which carry the token)."""

    host: Host
    base_url: str
    client: httpx.AsyncClient
    headers: Mapping[str, str]
    token: str
    retry_delays: Sequence[float]

    def __repr__(self) -> str:
        return f"Api({self.host.described} at {redact(self.base_url)})"

    @property
    def where(self) -> Location:
        return Location(obj=self.host.described)

    async def call(
        self, method: str, path: str, *, body: Any = None, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """The host's answer to ``method path``, after retries of passing failures."""
        url = self.base_url.rstrip("/") + path
        failure: GitHostUnavailableError
        for delay in (*self.retry_delays, None):
            try:
                response = await self.client.request(
                    method,
                    url,
                    json=body,
                    params=params,
                    headers=dict(self.headers),
                    follow_redirects=False,
                )
            except httpx.TransportError as err:
                failure = self.unavailable(f"{method} {redact(url)} failed ({type(err).__name__})")
            else:
                if not _passing_failure(response):
                    return response
                failure = self.unavailable(
                    f"{method} {redact(url)} answered {response.status_code}{self.quoted(response)}"
                )
            if delay is None:
                break
            await asyncio.sleep(delay)
        raise failure

    def opened(self, response: httpx.Response, fields: LinkFields, doing: str) -> PullRequestLink:
        """The pull request a 2xx answer describes."""
        return self._link(_json(response), fields, doing)

    async def first_open(
        self, path: str, params: Mapping[str, str], fields: LinkFields, doing: str
    ) -> PullRequestLink:
        """The first pull request ``GET path?params`` lists (the host said one exists)."""
        response = await self.call("GET", path, params=params)
        if response.status_code != 200:
            raise self.refusal(response, doing)
        found = _json(response)
        if not isinstance(found, list) or not found:
            raise self.malformed(f"{doing} (it said one exists, then listed none)")
        return self._link(found[0], fields, doing)

    def unavailable(self, problem: str) -> GitHostUnavailableError:
        return GitHostUnavailableError(
            problem,
            where=self.where,
            hint=f"{self.host.kind.label} could not answer now; try again later",
        )

    def refusal(self, response: httpx.Response, doing: str) -> GitHostError:
        """The error for a response that did not do what was asked."""
        status = response.status_code
        if status == 401:
            return self._refused(
                f"{self.host.kind.label} rejected the token (401) when asked to {doing}",
                "Store a valid token as the repository's password "
                "(gitward repo add URL --username USER --password TOKEN)",
            )
        if status == 403 and _rate_limited(response):
            return self.unavailable(f"{self.host.kind.label}'s rate limit was reached (403)")
        if status == 403:
            return self._refused(
                f"the token lacks the scope to {doing} (403){self.quoted(response)}",
                _SCOPES[self.host.kind],
            )
        if status == 404:
            return self._refused(
                f"repository not found, or the token cannot see it (404), when asked to {doing}",
                "Check the repoURL, and that the token's owner can read the repository",
            )
        if 300 <= status < 400:
            return self._refused(
                f"the API answered {status} (moved) when asked to {doing}",
                "Update the repoURL to the repository's new address",
            )
        return self._refused(f"could not {doing} ({status}){self.quoted(response)}", "")

    def malformed(self, doing: str) -> GitHostError:
        return GitHostError(
            f"{self.host.kind.label}'s answer to {doing} is not what its API documents",
            where=self.where,
            hint=f"Check that {redact(self.base_url)} is the {self.host.kind.label} API",
        )

    def quoted(self, response: httpx.Response) -> str:
        """``: <the host's own message>``, scrubbed and shortened; empty when it gave none."""
        text = redact(api_message(response), self.token)
        if len(text) > _QUOTED_MAX:
            text = text[: _QUOTED_MAX - 1] + "…"
        return f": {text}" if text else ""

    def _link(self, data: Any, fields: LinkFields, doing: str) -> PullRequestLink:
        url = data.get(fields.url) if isinstance(data, dict) else None
        number = data.get(fields.number) if isinstance(data, dict) else None
        if not isinstance(url, str) or not isinstance(number, int):
            raise self.malformed(doing)
        return PullRequestLink(url=url, opened=True, number=number)

    def _refused(self, problem: str, hint: str) -> GitHostRefusedError:
        return GitHostRefusedError(problem, where=self.where, hint=hint)


def api_message(response: httpx.Response) -> str:
    """The error text of a GitHub or GitLab answer: ``message`` (a string, or GitLab's list or
    field map) and GitHub's ``errors[].message``."""
    data = _json(response)
    if not isinstance(data, dict):
        return ""
    parts = [_flat(data.get("message")), _flat(data.get("error"))]
    for error in data.get("errors") or []:
        parts.append(_error_text(error))
    return "; ".join(part for part in parts if part)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_text(error: Any) -> str:
    """GitHub's ``errors[]`` item: its ``message``, else ``field code`` (``head invalid``)."""
    if not isinstance(error, dict):
        return _flat(error)
    if error.get("message"):
        return _flat(error["message"])
    return " ".join(_flat(error.get(key)) for key in ("field", "code") if error.get(key))


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(_flat(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key} {_flat(item)}" for key, item in value.items())
    return ""


def _passing_failure(response: httpx.Response) -> bool:
    return response.status_code >= 500 or response.status_code == 429


def _rate_limited(response: httpx.Response) -> bool:
    return response.headers.get("x-ratelimit-remaining") == "0" or "rate limit" in (
        api_message(response).lower()
    )
