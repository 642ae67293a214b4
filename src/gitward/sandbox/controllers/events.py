"""Events as controllers and kubelets record them (``kubectl describe`` and UIs show them):
one core/v1 Event per (object, reason, message), its ``count`` raised when it happens again.

Recording never fails a reconcile: an event that cannot be stored (a terminating namespace) is
dropped, as the real event recorder drops them. This module must not decide when to record.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gitward.sandbox.objects import clone
from gitward.sandbox.status import ApiError
from gitward.sandbox.verbs import Cluster, WriteOptions, utc_now

__all__ = ["EventRecorder"]


class EventRecorder:
    """Writes Events on behalf of one component (``deployment-controller``, ``kubelet``)."""

    def __init__(self, cluster: Cluster, component: str) -> None:
        self._cluster = cluster
        self._component = component
        self._rtype = cluster.registry.by_kind("v1", "Event")
        self._opts = WriteOptions(field_manager=component)

    def record(self, obj: dict[str, Any], event_type: str, reason: str, message: str) -> None:
        """Record that ``reason`` happened to ``obj`` (``event_type`` Normal or Warning)."""
        if self._rtype is None:
            return
        meta = obj["metadata"]
        namespace = str(meta.get("namespace") or "default")
        digest = hashlib.sha256(f"{meta.get('uid')}/{reason}/{message}".encode()).hexdigest()
        name = f"{meta['name']}.{digest[:16]}"
        now = utc_now()
        existing = self._cluster.store.peek(self._rtype.group_resource, namespace, name)
        try:
            if existing is not None:
                again = clone(existing)
                again["count"] = int(existing.get("count", 1)) + 1
                again["lastTimestamp"] = now
                self._cluster.update(self._rtype, namespace, name, again, self._opts)
                return
            event = self._event(obj, name, now)
            event.update({"type": event_type, "reason": reason, "message": message})
            self._cluster.create(self._rtype, namespace, event, self._opts)
        except ApiError:
            return

    def _event(self, obj: dict[str, Any], name: str, now: str) -> dict[str, Any]:
        meta = obj["metadata"]
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": meta.get("namespace") or "default"},
            "involvedObject": {
                "apiVersion": obj.get("apiVersion", ""),
                "kind": obj.get("kind", ""),
                "name": meta["name"],
                "namespace": meta.get("namespace", ""),
                "uid": meta.get("uid", ""),
                "resourceVersion": meta.get("resourceVersion", ""),
            },
            "reason": "",
            "message": "",
            "type": "Normal",
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": self._component},
            "reportingComponent": self._component,
            "reportingInstance": "sandbox",
        }
