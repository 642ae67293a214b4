"""DELETE and DELETE-collection: preconditions, propagation policies, finalizers, namespaces.

An object without finalizers goes at once (its dependents follow through the garbage
collector when the policy is Background). Foreground and Orphan add the ``foregroundDeletion``
or ``orphan`` finalizer and leave the object marked with a deletionTimestamp until the garbage
collector has dealt with its dependents. A namespace becomes Terminating and is emptied by the
namespace controller. This module must not speak HTTP or run controllers.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.objects import clone
from gitward.sandbox.status import bad_request, conflict
from gitward.sandbox.verbs import Cluster, WriteOptions

__all__ = ["FOREGROUND", "ORPHAN", "delete", "delete_collection", "propagation_policy"]

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
_POLICIES = ("Background", "Foreground", "Orphan")


def propagation_policy(options: dict[str, Any], query_policy: str | None) -> str:
    """The policy from DeleteOptions (body wins) or the query; Background by default."""
    policy = options.get("propagationPolicy") or query_policy
    if policy is None and options.get("orphanDependents") is True:
        policy = "Orphan"
    policy = policy or "Background"
    if policy not in _POLICIES:
        raise bad_request(f"propagationPolicy {policy!r} is not one of {', '.join(_POLICIES)}")
    return str(policy)


def _check_preconditions(rtype: ResourceType, obj: dict[str, Any], options: dict[str, Any]) -> None:
    wanted = options.get("preconditions") or {}
    meta = obj["metadata"]
    name = str(meta["name"])
    uid, rv = wanted.get("uid"), wanted.get("resourceVersion")
    if uid and uid != meta.get("uid"):
        raise conflict(
            rtype.group,
            rtype.plural,
            name,
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
            f"{meta.get('uid')}",
        )
    if rv and rv != meta.get("resourceVersion"):
        raise conflict(
            rtype.group,
            rtype.plural,
            name,
            f"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in "
            f"object meta: {meta.get('resourceVersion')}",
        )


def delete(
    cluster: Cluster,
    rtype: ResourceType,
    namespace: str,
    name: str,
    *,
    options: dict[str, Any],
    policy: str,
    opts: WriteOptions,
) -> dict[str, Any]:
    """Delete one object; returns it as it was removed or as it stays marked."""
    obj = cluster.get(rtype, namespace, name)
    _check_preconditions(rtype, obj, options)
    meta = obj["metadata"]
    if meta.get("deletionTimestamp"):
        return obj
    finalizers = list(meta.get("finalizers") or [])
    if policy == "Foreground" and FOREGROUND not in finalizers:
        finalizers.append(FOREGROUND)
    if policy == "Orphan" and ORPHAN not in finalizers:
        finalizers.append(ORPHAN)
    is_namespace = rtype.builtin and rtype.kind == "Namespace"
    if not finalizers and not is_namespace:
        if opts.dry_run:
            return obj
        removed = cluster.store.remove(rtype.group_resource, namespace, name)
        cluster.after_remove(rtype, obj)
        return cluster.served(rtype, removed or obj)
    marked = clone(obj)
    marked["metadata"]["deletionTimestamp"] = cluster.clock()
    marked["metadata"]["deletionGracePeriodSeconds"] = 0
    if finalizers:
        marked["metadata"]["finalizers"] = finalizers
    if is_namespace:
        marked.setdefault("status", {})["phase"] = "Terminating"
    if opts.dry_run:
        return marked
    stored = cluster.store.put(rtype.group_resource, marked)
    return cluster.served(rtype, stored)


def delete_collection(
    cluster: Cluster,
    rtype: ResourceType,
    namespace: str | None,
    *,
    label_selector: str | None,
    field_selector: str | None,
    options: dict[str, Any],
    policy: str,
    opts: WriteOptions,
) -> list[dict[str, Any]]:
    """Delete every matching object; returns them as deleted."""
    doomed = cluster.list(rtype, namespace, label_selector, field_selector)
    return [
        delete(
            cluster,
            rtype,
            str(obj["metadata"].get("namespace") or ""),
            str(obj["metadata"]["name"]),
            options=options,
            policy=policy,
            opts=opts,
        )
        for obj in doomed
    ]
