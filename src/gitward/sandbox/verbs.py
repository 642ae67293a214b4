"""The API verbs on stored objects: get, list, create, update, patch and server-side apply.

This is where Kubernetes' object semantics live: server-owned metadata (uid, resourceVersion,
generation bumped on spec changes only, creationTimestamp), optimistic concurrency, namespaces
that must exist and not be terminating, the status subresource, defaulting, validation,
managedFields, dry runs, finalizers completing a delete, and no-op writes that keep the
resourceVersion. Deletion lives in :mod:`deletion`. Controllers write through this same class,
so what they do is visible to watches exactly like a client's write. This module must not speak
HTTP.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitward.sandbox import (
    apply,
    defaulting,
    managers,
    metadata,
    patch,
    selectors,
    shapes,
    validation,
)
from gitward.sandbox.kinds import Registry, ResourceType, types_from_crd
from gitward.sandbox.objects import clone
from gitward.sandbox.status import (
    already_exists,
    bad_request,
    forbidden,
    invalid,
    not_found,
    unsupported_media_type,
)
from gitward.sandbox.store import Store

__all__ = ["Cluster", "WriteOptions", "utc_now"]

NAMESPACES = ("", "namespaces")
CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")
_SUFFIX = string.ascii_lowercase + string.digits


def utc_now() -> str:
    """An RFC 3339 timestamp with second precision, as Kubernetes writes them."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """What a mutating request says about itself (``dryRun``, ``fieldManager``, ``force``)."""

    dry_run: bool = False
    field_manager: str = ""
    force: bool = False


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


def _without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without the parts a no-op write may change (managedFields timestamps)."""
    meta = dict(obj.get("metadata") or {})
    meta["managedFields"] = [_without(e, "time") for e in meta.get("managedFields") or []]
    meta.pop("resourceVersion", None)
    return {**obj, "metadata": meta}


class Cluster:
    """Objects with Kubernetes semantics on top of a :class:`Store` and a :class:`Registry`."""

    def __init__(
        self, store: Store, registry: Registry, clock: Callable[[], str] = utc_now
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock

    # -- reads ---------------------------------------------------------------------------

    def served(self, rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """A copy of a stored object as the requested version presents it."""
        copied = clone(obj)
        copied["apiVersion"] = rtype.api_version
        copied["kind"] = rtype.kind
        return copied

    @staticmethod
    def view(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """A stored object as the requested version presents it, sharing everything below the
        top level with the store: for reading and serialising only, never for mutation."""
        return {**obj, "apiVersion": rtype.api_version, "kind": rtype.kind}

    def get(self, rtype: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        found = self.store.peek(rtype.group_resource, namespace, name)
        if found is None:
            raise not_found(rtype.group, rtype.plural, name)
        return self.served(rtype, found)

    def list(
        self,
        rtype: ResourceType,
        namespace: str | None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        *,
        after: tuple[str, str] | None = None,
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        """Matching objects, sorted by namespace and name, as read-only :meth:`view`s; with
        ``after`` only those past that (namespace, name), with ``limit`` at most that many."""
        by_labels = selectors.label_selector(label_selector)
        by_fields = selectors.field_selector(field_selector, rtype.kind)
        found: list[dict[str, Any]] = []
        for obj in self.store.scan(rtype.group_resource, namespace, after):
            if by_labels(obj) and by_fields(obj):
                found.append(self.view(rtype, obj))
                if limit and len(found) >= limit:
                    break
        return found

    # -- writes --------------------------------------------------------------------------

    def create(
        self, rtype: ResourceType, namespace: str, body: Any, opts: WriteOptions
    ) -> dict[str, Any]:
        obj = self._body(rtype, namespace, body)
        meta = _meta(obj)
        if not meta.get("name") and meta.get("generateName"):
            suffix = "".join(secrets.choice(_SUFFIX) for _ in range(5))
            meta["name"] = f"{meta['generateName']}{suffix}"
        name = str(meta.get("name") or "")
        self._check_namespace(rtype, namespace, name)
        if name and self.store.peek(rtype.group_resource, namespace, name) is not None:
            raise already_exists(rtype.group, rtype.plural, name)
        return self.commit(rtype, None, obj, opts, operation="create")

    def update(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        opts: WriteOptions,
        *,
        subresource: str = "",
    ) -> dict[str, Any]:
        obj = self._body(rtype, namespace, body)
        if _meta(obj).get("name") != name:
            raise bad_request(
                f"the name of the object ({_meta(obj).get('name')}) does not match the name "
                f"on the URL ({name})"
            )
        old = self.get(rtype, namespace, name)
        return self.commit(rtype, old, obj, opts, operation="update", subresource=subresource)

    def patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        *,
        opts: WriteOptions,
        subresource: str = "",
    ) -> dict[str, Any]:
        if patch_type == "apply":
            return self._apply(rtype, namespace, name, body, opts, subresource=subresource)
        old = self.get(rtype, namespace, name)
        if patch_type == "json":
            new = patch.json_patch(old, body)
        elif patch_type == "merge":
            new = patch.merge_patch(old, body)
        elif patch_type == "strategic" and rtype.builtin:
            new = patch.strategic_merge_patch(old, body)
        else:
            raise unsupported_media_type(
                f"the body of the request was in an unknown format - accepted media types "
                f"for {rtype.kind} do not include {patch_type} patches"
            )
        if not isinstance(new, dict) or _meta(new).get("name") != name:
            raise bad_request("a patch may not change metadata.name")
        return self.commit(rtype, old, new, opts, operation="patch", subresource=subresource)

    def _apply(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        opts: WriteOptions,
        *,
        subresource: str,
    ) -> dict[str, Any]:
        if not opts.field_manager:
            raise bad_request("PATCH, application/apply-patch+yaml requires fieldManager")
        applied = self._body(rtype, namespace, body)
        if _meta(applied).get("name") != name:
            raise bad_request(
                f"the name of the object ({_meta(applied).get('name')}) does not match the "
                f"name on the URL ({name})"
            )
        applied = self._restrict_applied(rtype, applied, subresource)
        found = self.store.peek(rtype.group_resource, namespace, name)
        live = self.served(rtype, found) if found is not None else None
        if live is None:
            self._check_namespace(rtype, namespace, name)
        merged = apply.server_side_apply(
            live,
            applied,
            manager=opts.field_manager,
            api_version=rtype.api_version,
            force=opts.force,
            subresource=subresource,
            now=self.clock(),
        )
        operation = "apply" if live is not None else "apply-create"
        return self.commit(rtype, live, merged, opts, operation=operation, subresource=subresource)

    @staticmethod
    def _restrict_applied(
        rtype: ResourceType, applied: dict[str, Any], subresource: str
    ) -> dict[str, Any]:
        if subresource == "status":
            return {k: v for k, v in applied.items() if k in ("apiVersion", "kind", "status")} | {
                "metadata": {"name": _meta(applied).get("name")}
            }
        if rtype.has_status:
            applied.pop("status", None)
        return applied

    def _body(self, rtype: ResourceType, namespace: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be a JSON or YAML object")
        obj = clone(body)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version not in (None, rtype.api_version):
            raise bad_request(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({rtype.api_version})"
            )
        if kind not in (None, rtype.kind):
            raise bad_request(
                f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})"
            )
        meta = _meta(obj)
        if rtype.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        return obj

    def _check_namespace(self, rtype: ResourceType, namespace: str, name: str) -> None:
        if not rtype.namespaced:
            return
        found = self.store.peek(NAMESPACES, "", namespace)
        if found is None:
            raise not_found("", "namespaces", namespace)
        if (found.get("metadata") or {}).get("deletionTimestamp"):
            raise forbidden(
                f'{rtype.qualified} "{name}" is forbidden: unable to create new content in '
                f"namespace {namespace} because it is being terminated"
            )

    # -- the write pipeline --------------------------------------------------------------

    def commit(
        self,
        rtype: ResourceType,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        opts: WriteOptions,
        *,
        operation: str,
        subresource: str = "",
    ) -> dict[str, Any]:
        """Finish and store a write; returns the object as served."""
        now = self.clock()
        shapes.check_shape(rtype, new)
        new = metadata.restrict_to_subresource(rtype, old, new, subresource)
        metadata.keep_server_fields(rtype, old, new, now)
        defaulting.carry_over(rtype.group, rtype.kind, old, new)
        defaulting.apply_defaults(rtype.group, rtype.kind, new)
        causes = validation.validate(rtype, new)
        if causes:
            name = str(_meta(new).get("name") or "")
            raise invalid(rtype.qualified_kind, name, rtype.group, rtype.plural, causes)
        metadata.set_generation(rtype, old, new)
        if not operation.startswith("apply"):
            manager = opts.field_manager or "unknown"
            managers.record_update(
                old,
                new,
                manager=manager,
                api_version=rtype.api_version,
                subresource=subresource,
                now=now,
            )
        new["apiVersion"] = self._storage_api_version(rtype)
        if old is not None and _comparable(self.view(rtype, new)) == _comparable(old):
            return old
        if opts.dry_run:
            return self.served(rtype, new)
        return self.served(rtype, self._store(rtype, new))

    def _storage_api_version(self, rtype: ResourceType) -> str:
        if rtype.builtin or not rtype.storage_version:
            return rtype.api_version
        return f"{rtype.group}/{rtype.storage_version}"

    def _store(self, rtype: ResourceType, new: dict[str, Any]) -> dict[str, Any]:
        meta = _meta(new)
        namespace, name = str(meta.get("namespace") or ""), str(meta["name"])
        if (
            meta.get("deletionTimestamp")
            and not meta.get("finalizers")
            and rtype.kind != ("Namespace")
        ):
            removed = self.store.remove(rtype.group_resource, namespace, name, final=new)
            self.after_remove(rtype, new)
            return removed or new
        stored = self.store.put(rtype.group_resource, new)
        if rtype.group_resource == CRDS:
            self.registry.set_crd(name, types_from_crd(stored))
        return stored

    def after_remove(self, rtype: ResourceType, obj: dict[str, Any]) -> None:
        """Drop what a removed object served: a CRD takes its custom resources with it."""
        if rtype.group_resource != CRDS:
            return
        resource = _crd_resource(obj)
        for item in self.store.scan(resource):
            meta = item.get("metadata") or {}
            self.store.remove(resource, str(meta.get("namespace") or ""), str(meta["name"]))
        self.registry.remove_crd(str(_meta(obj).get("name")))


def _crd_resource(crd: dict[str, Any]) -> tuple[str, str]:
    spec = crd.get("spec") or {}
    return (str(spec.get("group", "")), str((spec.get("names") or {}).get("plural", "")))
