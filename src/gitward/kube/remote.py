"""The cluster port over HTTP: lightkube's connection (auth, TLS) and raw API requests.

lightkube builds the HTTP client from a kubeconfig-like :class:`SingleConfig` (bearer tokens,
rotating service account tokens, client certificates, CAs); the requests themselves are plain
API paths sent through that client, so objects stay the JSON dicts the server speaks and every
query option (selectors, preconditions, dry-run, bookmarks) is at hand. Nothing here retries:
callers decide, from the error class, whether and when to try again. This module must not keep
objects: :mod:`gitward.kube.cache` does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any

import httpx2
from lightkube.config import client_adapter
from lightkube.core.exceptions import ConfigError as LightkubeConfigError

from gitward.errors import ClusterConfigError, ClusterUnavailableError, Location
from gitward.kube import bodies, failures
from gitward.kube.access import ClusterAccess, load_config
from gitward.kube.cluster import (
    FIELD_MANAGER,
    Cluster,
    EventType,
    FieldValidation,
    LogOptions,
    ObjectList,
    Propagation,
    Selector,
    WatchEvent,
    selector_text,
)
from gitward.kube.discovery import Discovery, ResourceType
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["RemoteCluster"]

_JSON = "application/json"
_APPLY = "application/apply-patch+yaml"  # JSON is YAML: the server takes either
_LIST_PAGE = "500"
_EVENT_TYPES: frozenset[str] = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK"})


class RemoteCluster:
    """A Kubernetes API server reached over HTTP (implements :class:`~gitward.kube.Cluster`)."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        name: str,
        secrets: tuple[str, ...] = (),
        field_manager: str = FIELD_MANAGER,
    ) -> None:
        self._http = http
        self._name = name
        self._secrets = secrets
        self._field_manager = field_manager
        self.discovery = Discovery(self._discover, cluster=name)

    @classmethod
    def connect(
        cls,
        access: ClusterAccess,
        *,
        environ: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        transport: httpx2.AsyncBaseTransport | None = None,
        field_manager: str = FIELD_MANAGER,
    ) -> RemoteCluster:
        """A client for ``access``; no request is sent until the first call."""
        config = load_config(access, environ)
        params = client_adapter.ConnectionParams(
            timeout=httpx2.Timeout(timeout),
            transport=transport,  # type: ignore[arg-type]  # lightkube passes it to AsyncClient
        )
        try:
            http = client_adapter.AsyncClient(config, params)
        except (LightkubeConfigError, OSError, ValueError) as err:
            raise ClusterConfigError(
                f"the credentials cannot be used ({type(err).__name__})",
                where=Location(obj=f"cluster {access.label}"),
                hint="Check the CA and client certificate files or data",
            ) from err
        return cls(http, name=access.label, secrets=access.secrets(), field_manager=field_manager)

    @property
    def name(self) -> str:
        return self._name

    async def close(self) -> None:
        await self._http.aclose()

    async def resource_type(
        self, group: str, kind: str, version: str | None = None
    ) -> ResourceType:
        return await self.discovery.resolve(group, kind, version)

    async def get(self, key: ResourceKey, *, version: str | None = None) -> Manifest:
        rt = await self.discovery.resolve(key.group, key.kind, version, purpose=str(key))
        response = await self._send("GET", rt.path(key.namespace, key.name), where=self._at(key))
        return _json_object(response, self._at(key))

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
        rt = await self.discovery.resolve(group, kind, version, purpose=_kind_name(group, kind))
        where = self._where(_collection(rt, namespace))
        params = _query(labelSelector=selector_text(labels), fieldSelector=selector_text(fields))
        params["limit"] = _LIST_PAGE
        items: list[Manifest] = []
        while True:
            page = _json_object(
                await self._send("GET", rt.path(namespace or ""), where=where, params=params), where
            )
            for item in page.get("items") or []:
                item.setdefault("apiVersion", rt.api_version)
                item.setdefault("kind", rt.kind)
                items.append(item)
            metadata = page.get("metadata") or {}
            if not metadata.get("continue"):
                return ObjectList(items, str(metadata.get("resourceVersion") or ""))
            params["continue"] = str(metadata["continue"])

    async def watch(
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
        rt = await self.discovery.resolve(group, kind, version, purpose=_kind_name(group, kind))
        where = self._where(_collection(rt, namespace))
        params = _query(
            watch="true",
            allowWatchBookmarks="true",
            resourceVersion=resource_version or None,
            labelSelector=selector_text(labels),
            fieldSelector=selector_text(fields),
            timeoutSeconds=str(timeout_seconds) if timeout_seconds else None,
        )
        read = None if timeout_seconds is None else timeout_seconds + 30.0
        timeout = httpx2.Timeout(self._http.timeout.connect, read=read)
        self._check_open(where)
        try:
            async with self._http.stream(
                "GET", rt.path(namespace or ""), params=params, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    body = await response.aread()
                    raise self._failure(response, body, where)
                async for line in response.aiter_lines():
                    event = self._event(line, where) if line.strip() else None
                    if event is not None:
                        yield event
        except httpx2.HTTPError as err:
            raise failures.unreachable(err, where=where, secrets=self._secrets) from err

    async def logs(
        self, namespace: str, pod: str, options: LogOptions
    ) -> AsyncGenerator[str, None]:
        where = self._where(f"Pod {namespace}/{pod}")
        params = _query(
            container=options.container,
            follow="true" if options.follow else None,
            tailLines=None if options.tail_lines is None else str(options.tail_lines),
            previous="true" if options.previous else None,
            sinceSeconds=None if options.since_seconds is None else str(options.since_seconds),
            timestamps="true" if options.timestamps else None,
        )
        read = None if options.follow else self._http.timeout.read
        timeout = httpx2.Timeout(self._http.timeout.connect, read=read)
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
        self._check_open(where)
        try:
            async with self._http.stream("GET", path, params=params, timeout=timeout) as response:
                if response.status_code >= 400:
                    raise self._failure(response, await response.aread(), where)
                async for line in response.aiter_lines():
                    yield line
        except httpx2.HTTPError as err:
            raise failures.unreachable(err, where=where, secrets=self._secrets) from err

    async def apply(
        self,
        manifest: Manifest,
        *,
        force: bool = False,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> Manifest:
        rt, key, where, body = await self._target(manifest)
        params = _query(
            fieldManager=self._field_manager,
            force="true" if force else None,
            dryRun="All" if dry_run else None,
            fieldValidation=field_validation,
        )
        path = rt.path(key.namespace, key.name)
        response = await self._send(
            "PATCH", path, where=where, params=params, body=body, content_type=_APPLY
        )
        return _json_object(response, where)

    async def create(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        rt, key, where, body = await self._target(manifest, generated_name=True)
        params = _query(fieldManager=self._field_manager, dryRun="All" if dry_run else None)
        response = await self._send(
            "POST", rt.path(key.namespace), where=where, params=params, body=body
        )
        return _json_object(response, where)

    async def replace(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        rt, key, where, body = await self._target(manifest)
        params = _query(fieldManager=self._field_manager, dryRun="All" if dry_run else None)
        path = rt.path(key.namespace, key.name)
        response = await self._send("PUT", path, where=where, params=params, body=body)
        return _json_object(response, where)

    async def patch(
        self,
        key: ResourceKey,
        patch: Any,
        *,
        patch_type: bodies.PatchType = "merge",
        dry_run: bool = False,
        version: str | None = None,
    ) -> Manifest:
        rt = await self.discovery.resolve(key.group, key.kind, version, purpose=str(key))
        where = self._at(key)
        params = _query(fieldManager=self._field_manager, dryRun="All" if dry_run else None)
        response = await self._send(
            "PATCH",
            rt.path(key.namespace, key.name),
            where=where,
            params=params,
            body=patch,
            content_type=bodies.PATCH_CONTENT_TYPES[patch_type],
        )
        return _json_object(response, where)

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
        rt = await self.discovery.resolve(key.group, key.kind, version, purpose=str(key))
        options = bodies.delete_options(
            propagation=propagation, uid=uid, resource_version=resource_version, dry_run=dry_run
        )
        where = self._at(key)
        response = await self._send(
            "DELETE",
            rt.path(key.namespace, key.name),
            where=where,
            params=_query(dryRun="All" if dry_run else None),  # in both places, as kubectl
            body=options,
        )
        if response.status_code != 202:  # 200: gone now; 202: kept by finalizers or foreground
            return None
        return _json_object(response, where)

    async def _target(
        self, manifest: Manifest, *, generated_name: bool = False
    ) -> tuple[ResourceType, ResourceKey, Location, Manifest]:
        """Where a manifest goes, checked: its resource type, key, location and the body."""
        metadata = bodies.metadata_of(manifest)
        key = ResourceKey.of({**manifest, "metadata": metadata})
        where = self._at(key)
        api_version = manifest.get("apiVersion")
        name_field = "metadata.name"
        name = metadata.get("name")
        if generated_name and not name:
            name_field, name = "metadata.generateName", metadata.get("generateName")
        bodies.require(
            where, apiVersion=api_version, kind=manifest.get("kind"), **{name_field: name}
        )
        rt = await self.discovery.resolve(
            key.group, key.kind, str(api_version).rpartition("/")[2], purpose=str(key)
        )
        if not rt.namespaced:
            return rt, key, where, bodies.without_namespace(manifest)
        bodies.require(where, **{"metadata.namespace": metadata.get("namespace")})
        return rt, key, where, manifest

    async def _discover(self, path: str, purpose: str) -> dict[str, Any]:
        what = f"{purpose} on cluster {self._name}" if purpose else f"cluster {self._name}"
        where = Location(obj=f"{what} (discovery {path})")
        return _json_object(await self._send("GET", path, where=where), where)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        where: Location,
        params: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = _JSON,
    ) -> httpx2.Response:
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Accept": _JSON, "Content-Type": content_type} if content else {"Accept": _JSON}
        self._check_open(where)
        try:
            response = await self._http.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx2.HTTPError as err:
            raise failures.unreachable(err, where=where, secrets=self._secrets) from err
        except LightkubeConfigError as err:
            raise ClusterConfigError(
                "the credentials could not be loaded", where=where, hint=str(err)
            ) from err
        if response.status_code >= 400:
            raise self._failure(response, response.content, where)
        return response

    def _check_open(self, where: Location) -> None:
        """A closed client (its cluster forgotten or re-registered) is a passing failure: the
        caller's next attempt finds the cluster's current client."""
        if self._http.is_closed:
            raise ClusterUnavailableError(
                f"the connection to cluster {self._name} was closed (the cluster was removed "
                "or its credentials replaced)",
                where=where,
                hint="The next attempt uses the cluster's current registration",
            )

    def _failure(self, response: httpx2.Response, body: bytes, where: Location) -> Exception:
        return failures.from_response(
            response.status_code, body, response.headers, where=where, secrets=self._secrets
        )

    def _event(self, line: str, where: Location) -> WatchEvent | None:
        try:
            raw = json.loads(line)
            kind, obj = raw["type"], raw["object"]
        except (ValueError, KeyError, TypeError) as err:
            raise ClusterUnavailableError(
                "the watch stream sent a broken event", where=where, hint="Watch again"
            ) from err
        if kind == "ERROR":
            raise failures.from_status(obj, where=where, secrets=self._secrets)
        if kind not in _EVENT_TYPES or not isinstance(obj, dict):
            return None
        event_type: EventType = kind
        return WatchEvent(event_type, obj)

    def _at(self, key: ResourceKey) -> Location:
        return self._where(str(key))

    def _where(self, what: str) -> Location:
        return Location(obj=f"{what} on cluster {self._name}")


def _kind_name(group: str, kind: str) -> str:
    return f"{group}/{kind}" if group else kind


def _collection(rt: ResourceType, namespace: str | None) -> str:
    scope = f" in namespace {namespace}" if rt.namespaced and namespace else ""
    return f"{rt.group_kind}{scope}"


def _query(**params: str | None) -> dict[str, str]:
    return {key: value for key, value in params.items() if value is not None}


def _json_object(response: httpx2.Response, where: Location) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as err:
        raise ClusterUnavailableError(
            "the API server answered with a body that is not JSON", where=where
        ) from err
    if not isinstance(body, dict):
        raise ClusterUnavailableError("the API server answered with a non-object", where=where)
    return body


if TYPE_CHECKING:

    def _implements_the_port(cluster: RemoteCluster) -> Cluster:
        return cluster  # mypy checks RemoteCluster against the Cluster protocol here
