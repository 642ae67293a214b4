"""The DaemonSet controller: one pod per simulated node (``node_count`` nodes named
``sandbox-node-<i>``), replaced one at a time on a template change, and the scheduling counts
of the status. This module must not create nodes.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox.controllers.base import (
    Context,
    KindReconciler,
    is_active,
    is_ready,
    owner_reference,
    template_hash,
)
from gitward.sandbox.controllers.pods import pod_from_template

__all__ = ["DaemonSetController"]

REVISION_LABEL = "controller-revision-hash"


def _revision_of(pod: dict[str, Any]) -> str:
    return str((pod["metadata"].get("labels") or {}).get(REVISION_LABEL, ""))


class DaemonSetController(KindReconciler):
    name = "daemonsets"
    api_version = "apps/v1"
    kind = "DaemonSet"
    component = "daemonset-controller"
    child_kinds = (("v1", "Pod"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.pods = ctx.rtype("v1", "Pod")
        self.nodes = [f"sandbox-node-{i}" for i in range(ctx.options.node_count)]

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        revision = template_hash(spec.get("template") or {})
        by_node: dict[str, dict[str, Any]] = {}
        for pod in self.ctx.owned(self.pods, obj):
            if is_active(pod):
                by_node[str((pod.get("spec") or {}).get("nodeName", ""))] = pod
        namespace = str(obj["metadata"].get("namespace") or "")
        for node in self.nodes:
            if node not in by_node:
                body = pod_from_template(
                    spec.get("template") or {},
                    owner_reference(self.rt, obj),
                    generate_name=f"{obj['metadata']['name']}-",
                    labels={REVISION_LABEL: revision},
                    node_name=node,
                )
                pod = self.ctx.create(self.pods, namespace, body)
                message = f"Created pod: {pod['metadata']['name']}"
                self.events.record(obj, "Normal", "SuccessfulCreate", message)
        strategy = spec.get("updateStrategy") or {}
        current = [by_node[n] for n in self.nodes if n in by_node]
        all_ready = len(current) == len(self.nodes) and all(is_ready(p) for p in current)
        if strategy.get("type") != "OnDelete" and all_ready:
            stale = [p for p in current if _revision_of(p) != revision]
            if stale:
                self.ctx.delete(self.pods, stale[0])
        self._report(obj, revision)
        return None

    def _report(self, obj: dict[str, Any], revision: str) -> None:
        pods = [p for p in self.ctx.owned(self.pods, obj) if is_active(p)]
        ready = sum(1 for p in pods if is_ready(p))
        status = {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "desiredNumberScheduled": len(self.nodes),
            "currentNumberScheduled": len(pods),
            "numberMisscheduled": 0,
            "numberReady": ready,
            "numberAvailable": ready,
            "updatedNumberScheduled": sum(1 for p in pods if _revision_of(p) == revision),
        }
        if len(self.nodes) - ready:
            status["numberUnavailable"] = len(self.nodes) - ready
        if not ready:
            del status["numberAvailable"]
        self.ctx.write_status(self.rt, obj, status)
