"""The ``/scale`` subresource of Deployments, ReplicaSets and StatefulSets (``kubectl scale``):
an ``autoscaling/v1`` Scale view of ``spec.replicas``, writable by update and patch.
This module must not speak HTTP.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox import patch
from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.objects import clone
from gitward.sandbox.status import bad_request, conflict
from gitward.sandbox.verbs import Cluster, WriteOptions

__all__ = ["get_scale", "patch_scale", "update_scale"]


def _selector(obj: dict[str, Any]) -> str:
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def get_scale(cluster: Cluster, rtype: ResourceType, namespace: str, name: str) -> dict[str, Any]:
    obj = cluster.get(rtype, namespace, name)
    meta = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: meta[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in meta
        },
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas", 1))},
        "status": {
            "replicas": int((obj.get("status") or {}).get("replicas", 0)),
            "selector": _selector(obj),
        },
    }


def update_scale(
    cluster: Cluster,
    rtype: ResourceType,
    namespace: str,
    name: str,
    *,
    body: Any,
    opts: WriteOptions,
) -> dict[str, Any]:
    """Set ``spec.replicas`` from a Scale body; returns the new Scale."""
    replicas = ((body or {}).get("spec") or {}).get("replicas") if isinstance(body, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise bad_request("Scale spec.replicas must be a non-negative integer")
    obj = cluster.get(rtype, namespace, name)
    sent = ((body.get("metadata") or {}).get("resourceVersion")) if isinstance(body, dict) else None
    if sent and sent != obj["metadata"].get("resourceVersion"):
        raise conflict(rtype.group, rtype.plural, name, "the object has been modified")
    changed = clone(obj)
    changed["spec"]["replicas"] = replicas
    cluster.commit(rtype, obj, changed, opts, operation="update")
    return get_scale(cluster, rtype, namespace, name)


def patch_scale(
    cluster: Cluster,
    rtype: ResourceType,
    namespace: str,
    name: str,
    *,
    patch_type: str,
    body: Any,
    opts: WriteOptions,
) -> dict[str, Any]:
    """A JSON, merge or strategic patch of the Scale view."""
    current = get_scale(cluster, rtype, namespace, name)
    if patch_type == "json":
        patched = patch.json_patch(current, body)
    elif patch_type in ("merge", "strategic"):
        patched = patch.merge_patch(current, body)
    else:
        raise bad_request(f"{patch_type} patches are not supported on /scale")
    return update_scale(cluster, rtype, namespace, name, body=patched, opts=opts)
