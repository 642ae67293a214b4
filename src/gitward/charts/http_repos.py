"""HTTP(S) chart repositories: their ``index.yaml`` and the archives it points at.

httpx rather than the Helm SDK's own downloader, because gitward must check every host it is
redirected to (``addresses``), bound every response's size, trust a repository's own CA and
send a bearer token, none of which the SDK's pull lets a caller do. Credentials go only to the
repository's own host, unless ``passCredentials`` (Argo CD's ``helm.passCredentials``) says to
send them wherever the index points; they are never sent after a redirect to another host.

It must not cache anything (``repositories`` does) nor write files.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import yaml

from gitward.charts.access import ChartAccess
from gitward.charts.addresses import AddressPolicy
from gitward.errors import ChartUnavailableError, Location, SourceError
from gitward.redaction import redact, redact_url

__all__ = ["ChartEntry", "HttpRepository", "parse_index"]

_MIB = 1024 * 1024
MAX_INDEX_BYTES = 256 * _MIB
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class ChartEntry:
    """One version of one chart in an index: where its archive is and its digest."""

    name: str
    version: str
    urls: tuple[str, ...]
    digest: str = ""


class HttpRepository:
    """Reads an HTTP(S) chart repository for one ``ChartAccess``."""

    def __init__(
        self,
        url: str,
        access: ChartAccess,
        addresses: AddressPolicy,
        *,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self._access = access
        self._addresses = addresses
        self._timeout = timeout
        self._transport = transport

    async def index(self, *, where: Location | None) -> dict[str, list[ChartEntry]]:
        """The repository's charts by name, each with its versions."""
        body = await self._get(urljoin(self.url, "index.yaml"), MAX_INDEX_BYTES, True, where)
        # A large repository's index (Bitnami's) takes seconds to parse: off the event loop.
        return await asyncio.to_thread(parse_index, body, self.url, where)

    async def archive(
        self, entry: ChartEntry, *, pass_credentials: bool, limit: int, where: Location | None
    ) -> bytes:
        """The archive of ``entry``; credentials go to another host only with pass_credentials."""
        if not entry.urls:
            raise SourceError(
                f"the index lists no URL for chart {entry.name} {entry.version}",
                where=where,
                hint="Fix the chart repository's index.yaml",
            )
        target = urljoin(self.url, entry.urls[0])
        same_host = _host(target) == _host(self.url)
        return await self._get(target, limit, same_host or pass_credentials, where)

    async def _get(self, url: str, limit: int, credentials: bool, where: Location | None) -> bytes:
        verify = self._access.verify()
        async with httpx.AsyncClient(
            verify=verify, timeout=self._timeout, transport=self._transport
        ) as client:
            for _ in range(MAX_REDIRECTS + 1):
                self._addresses.check(_host(url), where=where)
                redirect, body = await self._send(client, url, credentials, limit, where)
                if redirect is None:
                    return body
                following = urljoin(url, redirect)
                credentials = credentials and _host(following) == _host(url)
                url = following
        raise self._unavailable(url, f"more than {MAX_REDIRECTS} redirects", where)

    async def _send(
        self,
        client: httpx.AsyncClient,
        url: str,
        credentials: bool,
        limit: int,
        where: Location | None,
    ) -> tuple[str | None, bytes]:
        """The redirect target of ``url`` if it redirects, else its body."""
        headers = self._access.headers() if credentials else {}
        auth = self._access.basic_auth() if credentials else None
        try:
            async with client.stream("GET", url, headers=headers, auth=auth) as response:
                if response.is_redirect and "location" in response.headers:
                    return str(response.headers["location"]), b""
                if response.status_code != httpx.codes.OK:
                    raise self._status_error(url, response.status_code, where)
                return None, await _read_bounded(response, limit, url, where)
        except httpx.HTTPError as err:
            raise self._unavailable(url, type(err).__name__, where) from err

    def _status_error(self, url: str, status: int, where: Location | None) -> Exception:
        if status == httpx.codes.NOT_FOUND:
            return SourceError(
                f"{self._shown(url)} answered 404 Not Found",
                where=where,
                hint="Check the repoURL (a Helm repository serves index.yaml at its root)",
            )
        if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            return SourceError(
                f"{self._shown(url)} refused the credentials ({status})",
                where=where,
                hint="Register the repository's credentials: gitward repo add URL --type helm "
                "--username USER --password TOKEN",
            )
        return self._unavailable(url, f"HTTP {status}", where)

    def _unavailable(self, url: str, why: str, where: Location | None) -> ChartUnavailableError:
        return ChartUnavailableError(
            f"chart repository {self._shown(url)} could not be read: {why}",
            where=where,
            hint="Check that the repository is up and reachable from here (the server retries by "
            "itself), or serve it from a directory of charts: --helm-repo URL=DIR",
        )

    def _shown(self, url: str) -> str:
        return redact(redact_url(url), *self._access.secrets())


async def _read_bounded(
    response: httpx.Response, limit: int, url: str, where: Location | None
) -> bytes:
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limit:
            raise SourceError(
                f"{redact_url(url)} is larger than {limit} bytes",
                where=where,
                hint="Charts and indexes this large are refused; use a smaller repository",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def parse_index(body: bytes, url: str, where: Location | None) -> dict[str, list[ChartEntry]]:
    """The entries of an ``index.yaml``; a malformed index is a located error."""
    try:
        loaded = yaml.load(body, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as err:
        raise SourceError(
            f"the index.yaml of {redact_url(url)} is not valid YAML",
            where=where,
            hint="Check that repoURL is a Helm chart repository",
        ) from err
    entries = loaded.get("entries") if isinstance(loaded, dict) else None
    if not isinstance(entries, dict):
        raise SourceError(
            f"the index.yaml of {redact_url(url)} has no `entries`",
            where=where,
            hint="Check that repoURL is a Helm chart repository",
        )
    return {str(name): _entries(str(name), versions) for name, versions in entries.items()}


def _entries(name: str, versions: Any) -> list[ChartEntry]:
    found = []
    for item in versions if isinstance(versions, list) else []:
        if isinstance(item, dict) and item.get("version") is not None:
            urls = tuple(str(u) for u in item.get("urls") or [] if isinstance(u, str))
            digest = str(item.get("digest") or "")
            found.append(ChartEntry(name, str(item["version"]), urls, digest))
    return found
