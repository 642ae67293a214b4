"""Discovery: which URL serves a (group, version, kind), and whether it is namespaced.

Kubernetes URLs name resources by plural (``/apis/apps/v1/namespaces/x/deployments``) while
manifests name them by kind, and only the API server knows the mapping for custom resources.
Each group's version list and each group-version's resource list is fetched once, when first
needed, and fetched again once on a miss, so a kind whose CRD was created since is found
without a restart. This module must not make requests itself: it calls the ``fetch`` it is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gitward.errors import Location, NotFoundError, UnknownKindError
from gitward.model.capabilities import Capabilities

__all__ = ["Discovery", "Fetch", "ResourceType"]

Fetch = Callable[[str, str], Awaitable[dict[str, Any]]]
"""GET a discovery path (``/apis``, ``/api/v1``) and return its JSON body; the second argument
says what the lookup is for (an object, for messages), or is empty."""


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One served resource: ``group``/``version``/``plural`` in URLs, ``kind`` in bodies."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str] = frozenset()

    @property
    def api_version(self) -> str:
        """``apps/v1``, or ``v1`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_kind(self) -> str:
        return f"{self.group}/{self.kind}" if self.group else self.kind

    def path(self, namespace: str = "", name: str = "") -> str:
        """The collection URL path, or one object's when ``name`` is given."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        scope = f"/namespaces/{namespace}" if self.namespaced and namespace else ""
        item = f"/{name}" if name else ""
        return f"{root}{scope}/{self.plural}{item}"


class Discovery:
    """A lazily filled, refresh-on-miss map from (group, version, kind) to :class:`ResourceType`.

    ``cluster`` is only used in messages.
    """

    def __init__(self, fetch: Fetch, *, cluster: str) -> None:
        self._fetch = fetch
        self._cluster = cluster
        self._versions: dict[str, tuple[str, ...]] | None = None  # group -> preferred first
        self._resources: dict[tuple[str, str], dict[str, ResourceType]] = {}
        self._lock = asyncio.Lock()

    async def resolve(
        self, group: str, kind: str, version: str | None = None, *, purpose: str = ""
    ) -> ResourceType:
        """The resource serving ``kind`` of ``group`` (preferred version unless ``version``).

        Raises :class:`UnknownKindError` when the cluster does not serve it, even after one
        fresh look. ``purpose`` names what the lookup is for in messages of failed requests.
        """
        found = await self._lookup(group, kind, version, purpose, fresh=False)
        if found is None:
            found = await self._lookup(group, kind, version, purpose, fresh=True)
        if found is None:
            raise self._unknown(group, kind, version)
        return found

    async def capabilities(self) -> Capabilities:
        """The server's version and every group/version (and its kinds) it serves, asked
        afresh (resource lists already known are reused: a group-version's kinds only change
        with a CRD, which a miss in :meth:`resolve` notices)."""
        version = await self._fetch("/version", "the cluster's version")
        async with self._lock:
            self._versions = await self._fetch_groups("the cluster's APIs")
            versions = dict(self._versions)
        found: set[str] = set()
        for group, group_versions in versions.items():
            for item in group_versions:
                api = f"{group}/{item}" if group else item
                found.add(api)
                kinds = await self._resource_list(group, item, "the cluster's APIs", fresh=False)
                found.update(f"{api}/{kind}" for kind in kinds)
        return Capabilities(str(version.get("gitVersion") or ""), tuple(sorted(found)))

    def forget(self) -> None:
        """Drop everything learnt, so that the next lookups ask the server again."""
        self._versions = None
        self._resources.clear()

    async def _lookup(
        self, group: str, kind: str, version: str | None, purpose: str, *, fresh: bool
    ) -> ResourceType | None:
        versions = await self._group_versions(group, purpose, fresh=fresh)
        for candidate in (version,) if version else versions:
            resources = await self._resource_list(group, candidate, purpose, fresh=fresh)
            if kind in resources:
                return resources[kind]
        return None

    async def _group_versions(self, group: str, purpose: str, *, fresh: bool) -> tuple[str, ...]:
        async with self._lock:
            if self._versions is None or fresh:
                self._versions = await self._fetch_groups(purpose)
            return self._versions.get(group, ())

    async def _resource_list(
        self, group: str, version: str, purpose: str, *, fresh: bool
    ) -> dict[str, ResourceType]:
        key = (group, version)
        async with self._lock:
            if key not in self._resources or fresh:
                self._resources[key] = await self._fetch_resources(group, version, purpose)
            return self._resources[key]

    async def _fetch_groups(self, purpose: str) -> dict[str, tuple[str, ...]]:
        core = await self._fetch("/api", purpose)
        groups: dict[str, tuple[str, ...]] = {"": tuple(core.get("versions") or ("v1",))}
        for item in (await self._fetch("/apis", purpose)).get("groups") or []:
            preferred = (item.get("preferredVersion") or {}).get("version", "")
            versions = [v.get("version", "") for v in item.get("versions") or []]
            ordered = (
                [preferred, *(v for v in versions if v != preferred)] if preferred else versions
            )
            groups[str(item.get("name", ""))] = tuple(v for v in ordered if v)
        return groups

    async def _fetch_resources(
        self, group: str, version: str, purpose: str
    ) -> dict[str, ResourceType]:
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            body = await self._fetch(path, purpose)
        except NotFoundError:
            return {}
        found: dict[str, ResourceType] = {}
        for item in body.get("resources") or []:
            name = str(item.get("name", ""))
            if "/" in name or not name:  # a subresource such as deployments/status
                continue
            found[str(item.get("kind", ""))] = ResourceType(
                group=group,
                version=version,
                kind=str(item.get("kind", "")),
                plural=name,
                namespaced=bool(item.get("namespaced")),
                verbs=frozenset(item.get("verbs") or ()),
            )
        return found

    def _unknown(self, group: str, kind: str, version: str | None) -> UnknownKindError:
        api = f"{group}/{version}" if group and version else (group or version or "v1")
        return UnknownKindError(
            f"the cluster serves no kind {kind} in {api}",
            where=Location(obj=f"cluster {self._cluster}"),
            hint="Install the CustomResourceDefinition first, or check apiVersion and kind",
        )
