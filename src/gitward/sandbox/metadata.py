"""Server-owned metadata and the status subresource split, applied to every write.

uid and creationTimestamp are set once; resourceVersion is checked (a stale one is a 409) and
then kept for the store to replace; deletionTimestamp survives updates; generation starts at 1
and grows only when something other than metadata and status changes, and only on kinds whose
real registry keeps one (workloads, Ingresses, HPAs, CRDs and every custom resource). A write
to ``/status`` changes only status; a write to the main resource of a kind with a status
subresource leaves status alone. This module must not store anything.
"""

from __future__ import annotations

import uuid
from typing import Any

from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.objects import clone
from gitward.sandbox.status import conflict

__all__ = ["keep_server_fields", "restrict_to_subresource", "set_generation"]

_WITH_GENERATION = {
    "apps",
    "batch",
    "networking.k8s.io",
    "autoscaling",
    "apiextensions.k8s.io",
}


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    return meta


def _without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


def restrict_to_subresource(
    rtype: ResourceType,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    subresource: str,
) -> dict[str, Any]:
    """The object to store: ``old`` with ``new``'s status for a status write; ``new`` with
    ``old``'s status for a main-resource write of a kind with a status subresource."""
    if subresource == "status" and old is not None:
        restricted = clone(old)
        if "status" in new:
            restricted["status"] = clone(new["status"])
        else:
            restricted.pop("status", None)
        return restricted
    if rtype.has_status:
        new = dict(new)
        if old is not None and "status" in old:
            new["status"] = clone(old["status"])
        else:
            new.pop("status", None)
    return new


def keep_server_fields(
    rtype: ResourceType, old: dict[str, Any] | None, new: dict[str, Any], now: str
) -> None:
    """Set a new object's uid and creationTimestamp, or check and carry an old one's."""
    meta = _meta(new)
    if old is None:
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now
        for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(key, None)
        return
    old_meta = old["metadata"]
    sent = meta.get("resourceVersion")
    if sent and sent != old_meta.get("resourceVersion"):
        raise conflict(
            rtype.group,
            rtype.plural,
            str(old_meta["name"]),
            "the object has been modified; please apply your changes to the latest "
            "version and try again",
        )
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "resourceVersion"):
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    if "deletionGracePeriodSeconds" in old_meta:
        meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]


def set_generation(rtype: ResourceType, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """1 on create, +1 when anything but metadata and status changed."""
    meta = _meta(new)
    if rtype.builtin and rtype.group not in _WITH_GENERATION:
        meta.pop("generation", None)
        return
    if old is None:
        meta["generation"] = 1
        return
    previous = int(old["metadata"].get("generation") or 1)
    spec_changed = _without(old, "metadata", "status", "apiVersion", "kind") != _without(
        new, "metadata", "status", "apiVersion", "kind"
    )
    meta["generation"] = previous + 1 if spec_changed else previous
