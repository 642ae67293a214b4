"""The cluster port: the only way the rest of gitward touches a Kubernetes cluster.

Objects are plain JSON-shaped dicts (:data:`Manifest`) and are named by :class:`ResourceKey`;
a kind is named by its group and kind, the version being the cluster's preferred one unless
given. Failures are gitward's kube errors (:class:`gitward.errors.KubeError` and its family),
never the HTTP client's. :class:`gitward.kube.remote.RemoteCluster` implements this over HTTP
with lightkube; tests may give engines any other implementation. This module must not do I/O.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from gitward.kube.bodies import PatchType
from gitward.kube.discovery import ResourceType
from gitward.model.objects import FIELD_MANAGER, Manifest, ResourceKey

__all__ = [
    "FIELD_MANAGER",
    "Cluster",
    "EventType",
    "FieldValidation",
    "LogOptions",
    "ObjectList",
    "PatchType",
    "Propagation",
    "Selector",
    "WatchEvent",
    "selector_text",
]


EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]
FieldValidation = Literal["Strict", "Warn", "Ignore"]
Propagation = Literal["Foreground", "Background", "Orphan"]
Selector = str | Mapping[str, str]
"""A label or field selector: its text (``app=web,tier!=db``) or equalities as a mapping."""


@dataclass(frozen=True, slots=True)
class LogOptions:
    """What part of a container's log to read (the API's ``pods/log`` query)."""

    container: str | None = None
    """None: the pod's only container (the server refuses a choice between several)."""
    follow: bool = False
    tail_lines: int | None = None
    previous: bool = False
    """The log of the container's previous run (after a crash)."""
    since_seconds: int | None = None
    timestamps: bool = False


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One change seen by a watch. A ``BOOKMARK`` carries only a newer resourceVersion."""

    type: EventType
    object: Manifest

    @property
    def resource_version(self) -> str:
        return str((self.object.get("metadata") or {}).get("resourceVersion") or "")


@dataclass(frozen=True, slots=True)
class ObjectList:
    """The objects of one list request, each with ``apiVersion`` and ``kind`` set, and the
    resourceVersion a watch continues from."""

    items: list[Manifest] = field(default_factory=list)
    resource_version: str = ""


def selector_text(selector: Selector | None) -> str | None:
    """A selector as the query string wants it."""
    if selector is None or isinstance(selector, str):
        return selector or None
    return ",".join(f"{key}={value}" for key, value in selector.items()) or None


class Cluster(Protocol):
    """One Kubernetes cluster, as gitward uses it."""

    @property
    def name(self) -> str:
        """How messages name this cluster (Argo CD's destination name or server URL)."""
        ...

    async def resource_type(
        self, group: str, kind: str, version: str | None = None
    ) -> ResourceType:
        """Discovery: the URL plural and scope of a kind; looks again once on a miss.

        Raises :class:`~gitward.errors.UnknownKindError` when the cluster does not serve it.
        """
        ...

    async def get(self, key: ResourceKey, *, version: str | None = None) -> Manifest:
        """The live object; :class:`~gitward.errors.NotFoundError` when it does not exist."""
        ...

    async def list(
        self,
        group: str,
        kind: str,
        *,
        version: str | None = None,
        namespace: str | None = None,
        labels: Selector | None = None,
        fields: Selector | None = None,
    ) -> ObjectList:
        """Every object of a kind (in one namespace, or all when ``namespace`` is None)."""
        ...

    def watch(
        self,
        group: str,
        kind: str,
        *,
        version: str | None = None,
        namespace: str | None = None,
        labels: Selector | None = None,
        fields: Selector | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> AsyncGenerator[WatchEvent, None]:
        """One watch stream from ``resource_version``; it ends when the server closes it.

        Raises :class:`~gitward.errors.ExpiredError` when the version is too old (list again)
        and :class:`~gitward.errors.ClusterUnavailableError` when the stream breaks.
        """
        ...

    async def apply(
        self,
        manifest: Manifest,
        *,
        force: bool = False,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> Manifest:
        """Server-side apply as field manager ``gitward``; returns the object as the server
        has it (or would have it, with ``dry_run``). A field owned by another manager is a
        :class:`~gitward.errors.ConflictError` unless ``force``. ``field_validation`` is the
        API's ``fieldValidation`` (unknown or duplicate fields: refuse, warn or ignore); None
        leaves the server's default."""
        ...

    async def create(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        """Create an object (POST), for hooks named by ``generateName``; an existing object is
        a :class:`~gitward.errors.ConflictError`."""
        ...

    async def replace(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        """Replace an object whole (PUT, Argo CD's ``Replace=true``); a stale
        ``metadata.resourceVersion`` is a :class:`~gitward.errors.ConflictError`."""
        ...

    async def patch(
        self,
        key: ResourceKey,
        patch: Any,
        *,
        patch_type: PatchType = "merge",
        dry_run: bool = False,
        version: str | None = None,
    ) -> Manifest:
        """Patch an object: a JSON merge patch (default), a strategic merge patch, or a JSON
        patch (a list of operations)."""
        ...

    async def delete(
        self,
        key: ResourceKey,
        *,
        propagation: Propagation | None = None,
        uid: str | None = None,
        resource_version: str | None = None,
        dry_run: bool = False,
        version: str | None = None,
    ) -> Manifest | None:
        """Delete an object; ``uid``/``resource_version`` are preconditions (a mismatch is a
        :class:`~gitward.errors.ConflictError`). Returns the object while finalizers or
        foreground deletion keep it, None once it is gone."""
        ...

    def logs(self, namespace: str, pod: str, options: LogOptions) -> AsyncGenerator[str, None]:
        """A pod's container log, line by line (newlines kept); with ``options.follow`` it goes
        on until the container stops or the caller closes the generator."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
