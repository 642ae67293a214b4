"""What every simulated controller needs: typed access to the cluster with a manager name,
owner references, template hashes, pod readiness, and writing status only when it changed
(a write that changes nothing would wake every controller again).
This module must not simulate any particular kind.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Hashable, Iterable
from typing import Any

from gitward.sandbox import deletion
from gitward.sandbox.controllers.events import EventRecorder
from gitward.sandbox.controllers.manager import Reconciler
from gitward.sandbox.faults import Faults
from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.objects import clone
from gitward.sandbox.options import SandboxOptions
from gitward.sandbox.store import Event
from gitward.sandbox.verbs import Cluster, WriteOptions

__all__ = [
    "Context",
    "KindReconciler",
    "controller_ref",
    "is_ready",
    "owner_reference",
    "template_hash",
]

_SAFE = "bcdfghjklmnpqrstvwxz2456789"
Key = tuple[str, str]


class Context:
    """The cluster as controllers see it: one manager name for every write."""

    def __init__(
        self, cluster: Cluster, faults: Faults, options: SandboxOptions, manager: str
    ) -> None:
        self.cluster = cluster
        self.faults = faults
        self.options = options
        self._opts = WriteOptions(field_manager=manager)

    def rtype(self, api_version: str, kind: str) -> ResourceType:
        found = self.cluster.registry.by_kind(api_version, kind)
        if found is None:
            raise LookupError(f"{api_version} {kind} is not served")
        return found

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    def get(self, rtype: ResourceType, key: Key) -> dict[str, Any] | None:
        found = self.cluster.store.peek(rtype.group_resource, key[0], key[1])
        return self.cluster.served(rtype, found) if found is not None else None

    def owned(self, rtype: ResourceType, owner: dict[str, Any]) -> list[dict[str, Any]]:
        """Objects of ``rtype`` whose controller is ``owner`` (read-only views)."""
        uid = owner["metadata"]["uid"]
        namespace = owner["metadata"].get("namespace")
        return [
            self.cluster.view(rtype, obj)
            for obj in self.cluster.store.scan(rtype.group_resource, namespace)
            if (controller_ref(obj) or {}).get("uid") == uid
        ]

    def create(self, rtype: ResourceType, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.cluster.create(rtype, namespace, body, self._opts)

    def update(self, rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        return self.cluster.update(
            rtype, str(meta.get("namespace") or ""), str(meta["name"]), obj, self._opts
        )

    def delete(self, rtype: ResourceType, obj: dict[str, Any], policy: str = "Background") -> None:
        meta = obj["metadata"]
        deletion.delete(
            self.cluster,
            rtype,
            str(meta.get("namespace") or ""),
            str(meta["name"]),
            options={},
            policy=policy,
            opts=self._opts,
        )

    def write_status(
        self, rtype: ResourceType, obj: dict[str, Any], status: dict[str, Any]
    ) -> dict[str, Any]:
        """Store ``status`` on ``obj`` unless it is already what is stored."""
        if obj.get("status") == status:
            return obj
        changed = clone(obj)
        changed["status"] = status
        meta = obj["metadata"]
        return self.cluster.update(
            rtype,
            str(meta.get("namespace") or ""),
            str(meta["name"]),
            changed,
            self._opts,
            subresource="status",
        )


class KindReconciler(Reconciler):
    """A reconciler of one kind, keyed by (namespace, name), woken by its own objects and by
    objects it controls (``child_kinds``)."""

    api_version = "v1"
    kind = ""
    component = "controller-manager"
    child_kinds: tuple[tuple[str, str], ...] = ()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rt = ctx.rtype(self.api_version, self.kind)
        self.events = EventRecorder(ctx.cluster, self.component)
        self._children = {ctx.rtype(a, k).group_resource for a, k in self.child_kinds}

    def initial_keys(self) -> Iterable[Hashable]:
        return [_key(obj) for obj in self.ctx.cluster.store.scan(self.rt.group_resource)]

    def keys_for(self, event: Event) -> Iterable[Hashable]:
        if event.resource == self.rt.group_resource:
            return [_key(event.obj)]
        if event.resource in self._children:
            ref = controller_ref(event.obj)
            if ref and ref.get("kind") == self.kind:
                return [(str(event.obj["metadata"].get("namespace") or ""), str(ref["name"]))]
        return []

    def reconcile(self, key: Hashable) -> float | None:
        assert isinstance(key, tuple)
        obj = self.ctx.get(self.rt, key)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return None
        return self.sync(obj)

    def sync(self, obj: dict[str, Any]) -> float | None:
        return None


def _key(obj: dict[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def controller_ref(obj: dict[str, Any]) -> dict[str, Any] | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    return None


def owner_reference(rtype: ResourceType, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": rtype.api_version,
        "kind": rtype.kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def template_hash(template: Any) -> str:
    """A short, stable hash of a pod template in Kubernetes' safe alphabet."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(10):
        value, index = divmod(value, len(_SAFE))
        chars.append(_SAFE[index])
    return "".join(chars)


def is_ready(pod: dict[str, Any]) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False


def is_active(pod: dict[str, Any]) -> bool:
    """Neither being deleted nor finished."""
    phase = (pod.get("status") or {}).get("phase")
    return not pod["metadata"].get("deletionTimestamp") and phase not in ("Succeeded", "Failed")
