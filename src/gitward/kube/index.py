"""The live cache's memory: objects by key, and the indexes that answer without scanning.

Four indexes are kept beside the objects: by kind (to replace one kind's objects after a list),
by owning app (the tracking id), by uid, and by owner uid (the children of an object, for the
resource tree Deployment -> ReplicaSet -> Pod). Stored objects are never changed in place: an
update replaces the dict, so a caller holding an object holds a consistent snapshot.

What is stored is slimmer than what the API sends (see :func:`slim`). This module must not do
I/O and must not know where objects come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, TypeVar

from gitward.kube.tracking import DEFAULT_TRACKING, Tracking, owning_app
from gitward.model.kinds import GroupKind
from gitward.model.objects import FIELD_MANAGER, Manifest, ResourceKey

__all__ = ["LAST_APPLIED", "Change", "ChangeType", "LiveIndex", "slim"]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_PAYLOADS = ("data", "binaryData", "stringData")  # ConfigMap and Secret contents

_K = TypeVar("_K")
ChangeType = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True, slots=True)
class Change:
    """What one update did to the index: ``old`` is None when added, ``new`` when deleted."""

    type: ChangeType
    key: ResourceKey
    old: Manifest | None
    new: Manifest | None


def slim(obj: Manifest, *, tracked: bool) -> Manifest:
    """The copy worth keeping of a live object.

    An object no app tracks (a ReplicaSet, a Pod, a neighbour of a managed object) loses
    ``managedFields``, ``kubectl.kubernetes.io/last-applied-configuration`` (a second copy of
    the object) and its ConfigMap/Secret payload: trees and health need its metadata, spec and
    status, never its data. Tracked objects keep ``managedFields`` (the fields gitward's
    server-side apply owns are the record a three-way diff compares against; diffs may also
    ignore fields other managers own) and their data. A tracked object keeps the last-applied
    annotation only while gitward has never applied it (adopted from ``kubectl apply`` or
    Argo CD's client-side apply): then it is the only record of what was applied before.
    """
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return obj
    trimmed = dict(metadata)
    annotations = trimmed.get("annotations")
    if (
        isinstance(annotations, dict)
        and LAST_APPLIED in annotations
        and not (tracked and not _applied_by_gitward(metadata))
    ):
        trimmed["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
    if tracked:
        return {**obj, "metadata": trimmed}
    trimmed.pop("managedFields", None)
    return {k: v for k, v in obj.items() if k not in _PAYLOADS} | {"metadata": trimmed}


def _applied_by_gitward(metadata: dict[str, object]) -> bool:
    entries = metadata.get("managedFields")
    return isinstance(entries, list) and any(
        isinstance(entry, dict)
        and entry.get("manager") == FIELD_MANAGER
        and entry.get("operation") == "Apply"
        for entry in entries
    )


class LiveIndex:
    """Objects of a cluster with their indexes; ``tracking`` says how an owner app is read."""

    def __init__(self, tracking: Tracking = DEFAULT_TRACKING) -> None:
        self.tracking = tracking
        self._objects: dict[ResourceKey, Manifest] = {}
        self._by_kind: dict[GroupKind, set[ResourceKey]] = {}
        self._by_app: dict[str, set[ResourceKey]] = {}
        self._app_of: dict[ResourceKey, str] = {}
        self._by_uid: dict[str, ResourceKey] = {}
        self._children: dict[str, set[ResourceKey]] = {}

    def __len__(self) -> int:
        return len(self._objects)

    def get(self, key: ResourceKey) -> Manifest | None:
        return self._objects.get(key)

    def by_uid(self, uid: str) -> Manifest | None:
        key = self._by_uid.get(uid)
        return None if key is None else self._objects.get(key)

    def by_app(self, app: str) -> list[Manifest]:
        return [self._objects[key] for key in sorted(self._by_app.get(app, ()))]

    def children(self, uid: str) -> list[Manifest]:
        return [self._objects[key] for key in sorted(self._children.get(uid, ()))]

    def of_kind(self, group: str, kind: str) -> list[Manifest]:
        return [self._objects[key] for key in sorted(self._by_kind.get((group, kind), ()))]

    def count(self, group: str, kind: str) -> int:
        return len(self._by_kind.get((group, kind), ()))

    def app_of(self, key: ResourceKey) -> str | None:
        return self._app_of.get(key)

    def apps(self) -> Iterator[str]:
        return iter(self._by_app)

    def put(self, obj: Manifest) -> Change | None:
        """Store ``obj`` (slimmed); None when the stored copy has its resourceVersion already."""
        key = ResourceKey.of(obj)
        old = self._objects.get(key)
        if old is not None and _version(old) == _version(obj) and _version(obj):
            return None
        app = owning_app(obj, self.tracking)
        new = slim(obj, tracked=app is not None)
        if old is not None:
            self._unindex(key, old)
        self._objects[key] = new
        self._index(key, new, app)
        return Change("ADDED" if old is None else "MODIFIED", key, old, new)

    def remove(self, key: ResourceKey) -> Change | None:
        old = self._objects.pop(key, None)
        if old is None:
            return None
        self._unindex(key, old)
        return Change("DELETED", key, old, None)

    def replace_kind(self, group: str, kind: str, objects: Iterable[Manifest]) -> list[Change]:
        """Make ``objects`` the whole of this kind (after a list): stores them, drops the rest."""
        seen: set[ResourceKey] = set()
        changes: list[Change] = []
        for obj in objects:
            seen.add(ResourceKey.of(obj))
            change = self.put(obj)
            if change is not None:
                changes.append(change)
        for key in self._by_kind.get((group, kind), set()) - seen:
            change = self.remove(key)
            if change is not None:
                changes.append(change)
        return changes

    def _index(self, key: ResourceKey, obj: Manifest, app: str | None) -> None:
        self._by_kind.setdefault((key.group, key.kind), set()).add(key)
        if app is not None:
            self._app_of[key] = app
            self._by_app.setdefault(app, set()).add(key)
        uid = _uid(obj)
        if uid:
            self._by_uid[uid] = key
        for owner in _owner_uids(obj):
            self._children.setdefault(owner, set()).add(key)

    def _unindex(self, key: ResourceKey, obj: Manifest) -> None:
        _discard(self._by_kind, (key.group, key.kind), key)
        app = self._app_of.pop(key, None)
        if app is not None:
            _discard(self._by_app, app, key)
        uid = _uid(obj)
        if uid and self._by_uid.get(uid) == key:
            del self._by_uid[uid]
        for owner in _owner_uids(obj):
            _discard(self._children, owner, key)


def _discard(index: dict[_K, set[ResourceKey]], at: _K, key: ResourceKey) -> None:
    members = index.get(at)
    if members is not None:
        members.discard(key)
        if not members:
            del index[at]


def _version(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _uid(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def _owner_uids(obj: Manifest) -> list[str]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [str(ref["uid"]) for ref in refs if isinstance(ref, dict) and ref.get("uid")]
