"""The chart port: from (repoURL, chart, targetRevision) to a chart version and its files.

:class:`ChartRepositories` is what the controller and the offline commands call for a source
with ``chart:`` and for the repository dependencies of a ``Chart.yaml``. It reads HTTP(S)
repositories (``http_repos``), OCI registries (``oci``) and directories mapped in place of a URL
(``local``); keeps each repository's list of versions for one reconciliation cycle (a hard
refresh reads it again, and a listing that could not be read again is no longer served for the
cycle: apps refreshed after it report the failure too, until the repository answers); and keeps
archives by digest (``archives``), so a chart version is downloaded once whatever the number of
apps using it. Every host is checked against the operator's address policy first.

It must not render anything: it hands out chart directories and archives.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from gitward.charts import versions
from gitward.charts.access import AccessLookup, ChartAccess
from gitward.charts.addresses import AddressPolicy
from gitward.charts.archives import ArchiveCache, ArchiveLimits
from gitward.charts.http_repos import ChartEntry, HttpRepository
from gitward.charts.local import LocalChart, local_charts
from gitward.charts.oci import OciRegistry, is_oci, oci_reference, registry_host
from gitward.errors import ConfigError, Location, RevisionNotFoundError, SourceError
from gitward.git.repo import Checkout
from gitward.redaction import redact_url

__all__ = ["ChartRepositories", "ChartRequest", "repo_key"]


def repo_key(repo_url: str) -> str:
    """One spelling per chart repository: no ``oci://``, no trailing slash, host lower-case."""
    text = repo_url.strip().removeprefix("oci://").rstrip("/")
    scheme, sep, rest = text.partition("://")
    if not sep:
        host, slash, path = text.partition("/")
        return f"{host.lower()}{slash}{path}"
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """One chart of one repository, as a source or a dependency names it."""

    repo_url: str
    chart: str
    where: Location | None = None
    pass_credentials: bool = False

    @property
    def shown(self) -> str:
        return f"{self.chart} from {redact_url(self.repo_url)}"


_NO_CYCLE = -1
"""The cycle of a listing that failed to be read again: no cycle serves it."""


@dataclass(frozen=True, slots=True)
class _Listing:
    cycle: int
    charts: Mapping[str, list[ChartEntry]]


class ChartRepositories:
    """Chart versions and files for every chart repository, under one cache directory.

    ``credentials`` maps a repository URL to its access settings; ``local`` maps repository
    URLs to directories of charts (``--helm-repo``); ``addresses`` decides which hosts may be
    reached (default: any, as the offline CLI does).
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        credentials: AccessLookup | None = None,
        local: Mapping[str, Path] | None = None,
        addresses: AddressPolicy | None = None,
        limits: ArchiveLimits | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.archives = ArchiveCache(cache_dir / "charts", limits)
        self._credentials = credentials
        self._local = {repo_key(url): Path(path) for url, path in (local or {}).items()}
        self._addresses = addresses or AddressPolicy(allow_private=True)
        self._timeout = timeout
        self._listings: dict[str, _Listing] = {}
        self._digests: dict[tuple[str, str, str], str] = {}
        self._locks: weakref.WeakValueDictionary[object, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )  # a lock lives while a caller holds it: one per listing or version being fetched
        self.listings_read = 0
        """Indexes and tag lists fetched (for tests and the benchmark)."""
        self.cycle: Callable[[], int] = lambda: 0
        """The reconciliation cycle now (the controller's): a listing read in an earlier cycle
        is read again when next needed."""

    async def resolve(self, request: ChartRequest, revision: str, *, hard: bool = False) -> str:
        """The version ``revision`` (an exact version or a range) names now."""
        if not revision.strip():
            raise ConfigError(
                f"chart {request.chart} has no targetRevision",
                where=request.where,
                hint="Set targetRevision to a chart version (1.2.3) or a range (^1.2, *)",
            )
        listed = await self.versions(request, hard=hard)
        found = versions.highest(listed, revision.strip())
        if found is None:
            raise RevisionNotFoundError(
                f"{request.shown} has no version matching {revision!r} (it lists {_some(listed)})",
                where=request.where,
                hint="Set targetRevision to a version the repository lists",
            )
        return found

    async def versions(self, request: ChartRequest, *, hard: bool = False) -> list[str]:
        """Every version of the chart the repository lists (this cycle's list unless hard)."""
        local = self._local_entries(request)
        if local is not None:
            return [chart.version for chart in local]
        key = self._listing_key(request)
        cycle = self.cycle()
        async with self._lock(("listing", key)):
            known = self._listings.get(key)
            if known is None or known.cycle != cycle or hard:
                try:
                    known = _Listing(cycle, await self._read_listing(request))
                except BaseException:
                    if known is not None:  # its entries still locate archives; not served
                        self._listings[key] = replace(known, cycle=_NO_CYCLE)
                    raise
                self._listings[key] = known
        return [entry.version for entry in known.charts.get(request.chart, [])]

    async def checkout(self, request: ChartRequest, version: str) -> Checkout:
        """The chart's directory at ``version``: expanded from the cached archive."""
        local = self._local_chart(request, version)
        if local is not None and not local.is_archive:
            return Checkout(root=local.path.resolve(), sha=None, revision=version)
        digest = await self.archive(request, version)
        root = await asyncio.to_thread(
            self.archives.expanded, digest, shown=request.shown, where=request.where
        )
        return Checkout(root=root, sha=f"sha256:{digest}", revision=version)

    async def chart_path(self, request: ChartRequest, version: str) -> Path:
        """What to put in a parent chart's ``charts/``: an archive, or a local chart directory."""
        local = self._local_chart(request, version)
        if local is not None and not local.is_archive:
            return local.path.resolve()
        return self.archives.path(await self.archive(request, version))

    async def archive(self, request: ChartRequest, version: str) -> str:
        """The digest of the chart's archive at ``version``, downloaded if not yet cached."""
        known = (repo_key(request.repo_url), request.chart, version)
        async with self._lock(("archive", *known)):
            digest = self._digests.get(known)
            if digest is None or not self.archives.has(digest):
                digest = await self._download(request, version)
                self._digests[known] = digest
        return digest

    async def _download(self, request: ChartRequest, version: str) -> str:
        local = self._local_chart(request, version)
        if local is not None:
            data = await asyncio.to_thread(local.path.read_bytes)
        elif is_oci(request.repo_url):
            data = await self._oci(request).archive(
                version, limit=self.archives.limits.max_archive_bytes, where=request.where
            )
        else:
            entry = await self._entry(request, version)
            if entry.digest and self.archives.has(entry.digest):
                return entry.digest
            data = await self._http(request).archive(
                entry,
                pass_credentials=request.pass_credentials,
                limit=self.archives.limits.max_archive_bytes,
                where=request.where,
            )
            _check_digest(entry, self.archives.digest_of(data), request)
        return await asyncio.to_thread(
            self.archives.store, data, shown=f"{request.shown} {version}", where=request.where
        )

    async def _entry(self, request: ChartRequest, version: str) -> ChartEntry:
        key = self._listing_key(request)
        listing = self._listings.get(key)
        entries = listing.charts.get(request.chart, []) if listing else []
        if not any(entry.version == version for entry in entries):
            await self.versions(request, hard=True)
            entries = self._listings[key].charts.get(request.chart, [])
        for entry in entries:
            if entry.version == version:
                return entry
        raise RevisionNotFoundError(
            f"{request.shown} has no version {version}",
            where=request.where,
            hint="Set targetRevision to a version the repository lists",
        )

    async def _read_listing(self, request: ChartRequest) -> Mapping[str, list[ChartEntry]]:
        self.listings_read += 1
        if is_oci(request.repo_url):
            tags = await self._oci(request).versions(where=request.where)
            return {request.chart: [ChartEntry(request.chart, tag, ()) for tag in tags]}
        return await self._http(request).index(where=request.where)

    def _listing_key(self, request: ChartRequest) -> str:
        if is_oci(request.repo_url):
            return repo_key(oci_reference(request.repo_url, request.chart))
        return repo_key(request.repo_url)

    def _http(self, request: ChartRequest) -> HttpRepository:
        return HttpRepository(
            request.repo_url, self._access(request), self._addresses, timeout=self._timeout
        )

    def _oci(self, request: ChartRequest) -> OciRegistry:
        reference = oci_reference(request.repo_url, request.chart)
        host = registry_host(reference).rpartition(":")[0] or registry_host(reference)
        self._addresses.check(host, where=request.where)
        return OciRegistry(reference, self._access(request))

    def _access(self, request: ChartRequest) -> ChartAccess:
        found = self._credentials(request.repo_url) if self._credentials else None
        return found or ChartAccess()

    def _local_entries(self, request: ChartRequest) -> list[LocalChart] | None:
        directory = self._local.get(repo_key(request.repo_url))
        if directory is None:
            return None
        return local_charts(directory, where=request.where).get(request.chart, [])

    def _local_chart(self, request: ChartRequest, version: str) -> LocalChart | None:
        entries = self._local_entries(request)
        if entries is None:
            return None
        found = [chart for chart in entries if chart.version == version]
        if not found:
            raise RevisionNotFoundError(
                f"{request.shown} has no version {version}",
                where=request.where,
                hint="Put the chart's archive or directory in the mapped directory",
            )
        return found[0]

    def _lock(self, key: object) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock


def _check_digest(entry: ChartEntry, digest: str, request: ChartRequest) -> None:
    """An archive must be the one the index lists (when the index gives its digest)."""
    if entry.digest and entry.digest.removeprefix("sha256:").lower() != digest:
        raise SourceError(
            f"the archive of {request.shown} {entry.version} does not match the digest its "
            "index.yaml lists",
            where=request.where,
            hint="The repository changed the archive or it was altered on the way: check the "
            "repository (and re-index it)",
        )


def _some(listed: list[str]) -> str:
    if not listed:
        return "no version of it"
    ordered = sorted(
        listed, key=lambda v: versions.parse_version(v) or versions.LOWEST, reverse=True
    )
    shown = ", ".join(ordered[:5])
    return shown + (f" and {len(listed) - 5} more" if len(listed) > 5 else "")
