"""The garbage collector: ownerReferences decide what goes when an owner goes.

Background: once every owner of an object is gone, the object is deleted. Foreground: an owner
marked with the ``foregroundDeletion`` finalizer has its dependents deleted (in the foreground
too) and loses the finalizer, and so goes, when none is left. Orphan: an owner with the
``orphan`` finalizer has its uid removed from its dependents' ownerReferences, then loses the
finalizer. Keys are owner uids; an index of uids to objects is kept from store events.
This module must not delete objects that have a live owner.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from gitward.sandbox.controllers.base import Context
from gitward.sandbox.controllers.manager import Reconciler
from gitward.sandbox.deletion import FOREGROUND, ORPHAN
from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.objects import clone
from gitward.sandbox.store import Event, GroupResource

__all__ = ["GarbageCollector"]

Where = tuple[GroupResource, str, str]


def _where(resource: GroupResource, obj: dict[str, Any]) -> Where:
    meta = obj["metadata"]
    return (resource, str(meta.get("namespace") or ""), str(meta["name"]))


def _owner_uids(obj: dict[str, Any] | None) -> set[str]:
    refs = ((obj or {}).get("metadata") or {}).get("ownerReferences") or []
    return {str(r.get("uid")) for r in refs if isinstance(r, dict) and r.get("uid")}


class GarbageCollector(Reconciler):
    name = "garbagecollector"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._by_uid: dict[str, Where] = {}
        self._dependents: dict[str, set[Where]] = {}

    def initial_keys(self) -> Iterable[Hashable]:
        store = self.ctx.cluster.store
        keys: set[str] = set()
        for resource in store.resources():
            for obj in store.scan(resource):
                self._index(resource, None, obj)
                keys |= _owner_uids(obj)
                if obj["metadata"].get("deletionTimestamp"):
                    keys.add(str(obj["metadata"]["uid"]))
        return sorted(keys)

    def _index(
        self, resource: GroupResource, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> None:
        where = _where(resource, new or old or {})
        for uid in _owner_uids(old) - _owner_uids(new):
            self._dependents.get(uid, set()).discard(where)
        for uid in _owner_uids(new):
            self._dependents.setdefault(uid, set()).add(where)
        own_uid = str(((new or old or {}).get("metadata") or {}).get("uid", ""))
        if new is None:
            self._by_uid.pop(own_uid, None)
        elif own_uid:
            self._by_uid[own_uid] = where

    def keys_for(self, event: Event) -> Iterable[Hashable]:
        new = None if event.type == "DELETED" else event.obj
        self._index(event.resource, event.old, new)
        keys = _owner_uids(event.old) | _owner_uids(event.obj)
        uid = str(event.obj["metadata"].get("uid", ""))
        if event.type == "DELETED" or event.obj["metadata"].get("deletionTimestamp"):
            keys.add(uid)
        return sorted(keys)

    def reconcile(self, key: Hashable) -> float | None:
        uid = str(key)
        owner = self._lookup(uid)
        if owner is None:
            self._collect_orphans(uid)
            return None
        rtype, obj = owner
        finalizers = obj["metadata"].get("finalizers") or []
        if not obj["metadata"].get("deletionTimestamp"):
            return None
        if ORPHAN in finalizers:
            self._orphan(uid)
            self._drop_finalizer(rtype, obj, ORPHAN)
        elif FOREGROUND in finalizers:
            dependents = self._live_dependents(uid)
            for dep_type, dep in dependents:
                if not dep["metadata"].get("deletionTimestamp"):
                    self.ctx.delete(dep_type, dep, policy="Foreground")
            if not dependents:
                self._drop_finalizer(rtype, obj, FOREGROUND)
        return None

    def _lookup(self, uid: str) -> tuple[ResourceType, dict[str, Any]] | None:
        where = self._by_uid.get(uid)
        if where is None:
            return None
        resource, namespace, name = where
        stored = self.ctx.cluster.store.peek(resource, namespace, name)
        if stored is None or stored["metadata"].get("uid") != uid:
            return None
        rtype = self.ctx.cluster.registry.versions_of(*resource)
        if not rtype:
            return None
        return rtype[0], self.ctx.cluster.served(rtype[0], stored)

    def _live_dependents(self, uid: str) -> list[tuple[ResourceType, dict[str, Any]]]:
        found = []
        for resource, namespace, name in sorted(self._dependents.get(uid, set())):
            stored = self.ctx.cluster.store.peek(resource, namespace, name)
            types = self.ctx.cluster.registry.versions_of(*resource)
            if stored is not None and types and uid in _owner_uids(stored):
                found.append((types[0], self.ctx.cluster.served(types[0], stored)))
        return found

    def _collect_orphans(self, uid: str) -> None:
        """The owner ``uid`` is gone: delete dependents that have no live owner left."""
        for rtype, dep in self._live_dependents(uid):
            if dep["metadata"].get("deletionTimestamp"):
                continue
            if not any(self._lookup(other) for other in _owner_uids(dep)):
                self.ctx.delete(rtype, dep)

    def _orphan(self, uid: str) -> None:
        for rtype, dep in self._live_dependents(uid):
            freed = clone(dep)
            refs = [r for r in freed["metadata"]["ownerReferences"] if r.get("uid") != uid]
            freed["metadata"]["ownerReferences"] = refs
            if not refs:
                del freed["metadata"]["ownerReferences"]
            self.ctx.update(rtype, freed)

    def _drop_finalizer(self, rtype: ResourceType, obj: dict[str, Any], finalizer: str) -> None:
        changed = clone(obj)
        changed["metadata"]["finalizers"] = [
            f for f in obj["metadata"].get("finalizers") or [] if f != finalizer
        ]
        if not changed["metadata"]["finalizers"]:
            del changed["metadata"]["finalizers"]
        self.ctx.update(rtype, changed)
