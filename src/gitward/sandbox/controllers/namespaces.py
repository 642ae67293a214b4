"""The namespace lifecycle: a namespace marked for deletion (Terminating) has everything in it
deleted, and goes away once it is empty, as the namespace controller does. Objects held by
finalizers keep it Terminating until their finalizers are removed.
This module must not delete anything outside terminating namespaces.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from gitward.sandbox.controllers.base import Context, KindReconciler
from gitward.sandbox.store import Event
from gitward.sandbox.verbs import NAMESPACES

__all__ = ["NamespaceController"]


class NamespaceController(KindReconciler):
    name = "namespaces"
    kind = "Namespace"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)

    def keys_for(self, event: Event) -> Iterable[Hashable]:
        if event.resource == NAMESPACES:
            return [("", str(event.obj["metadata"]["name"]))]
        namespace = (event.obj.get("metadata") or {}).get("namespace")
        if event.type == "DELETED" and namespace:
            return [("", str(namespace))]
        return []

    def reconcile(self, key: Hashable) -> float | None:
        assert isinstance(key, tuple)
        obj = self.ctx.get(self.rt, key)
        if obj is None or not obj["metadata"].get("deletionTimestamp"):
            return None
        remaining = self._empty(str(key[1]))
        if remaining:
            return None
        if not obj["metadata"].get("finalizers"):
            store = self.ctx.cluster.store
            store.remove(NAMESPACES, "", str(key[1]), final=_finalized(obj))
        return None

    def _empty(self, namespace: str) -> int:
        """Delete what is left in ``namespace``; how many objects remain."""
        remaining = 0
        for rtype in list(self.ctx.cluster.registry):
            if not rtype.namespaced or rtype.version != _served_version(self.ctx, rtype):
                continue
            for obj in self.ctx.cluster.store.scan(rtype.group_resource, namespace):
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    self.ctx.delete(rtype, self.ctx.cluster.served(rtype, obj))
        return remaining


def _served_version(ctx: Context, rtype: Any) -> str:
    """The first served version of a resource, so each stored resource is visited once."""
    return str(ctx.cluster.registry.versions_of(*rtype.group_resource)[0].version)


def _finalized(obj: dict[str, Any]) -> dict[str, Any]:
    final = dict(obj)
    final["spec"] = {**(obj.get("spec") or {}), "finalizers": []}
    return final
