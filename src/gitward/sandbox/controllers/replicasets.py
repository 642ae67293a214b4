"""The ReplicaSet controller: keep ``spec.replicas`` active pods, report how many are ready.

Scaling down removes pods that are not ready first, then the newest. This module must not know
about Deployments; they only set a ReplicaSet's replicas.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox.controllers.base import (
    Context,
    KindReconciler,
    is_active,
    is_ready,
    owner_reference,
)
from gitward.sandbox.controllers.pods import pod_from_template

__all__ = ["ReplicaSetController"]


class ReplicaSetController(KindReconciler):
    name = "replicasets"
    api_version = "apps/v1"
    kind = "ReplicaSet"
    component = "replicaset-controller"
    child_kinds = (("v1", "Pod"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.pods = ctx.rtype("v1", "Pod")

    def sync(self, obj: dict[str, Any]) -> float | None:
        pods = [p for p in self.ctx.owned(self.pods, obj) if is_active(p)]
        wanted = int((obj.get("spec") or {}).get("replicas", 1))
        if len(pods) < wanted:
            self._create(obj, wanted - len(pods))
        elif len(pods) > wanted:
            doomed = sorted(
                pods,
                key=lambda p: (is_ready(p), p["metadata"].get("creationTimestamp", "")),
            )
            for pod in doomed[: len(pods) - wanted]:
                self.ctx.delete(self.pods, pod)
                self.events.record(
                    obj, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"
                )
        pods = [p for p in self.ctx.owned(self.pods, obj) if is_active(p)]
        ready = sum(1 for p in pods if is_ready(p))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": obj["metadata"].get("generation", 1),
        }
        if not ready:
            del status["readyReplicas"], status["availableReplicas"]
        self.ctx.write_status(self.rt, obj, status)
        return None

    def _create(self, obj: dict[str, Any], count: int) -> None:
        template = (obj.get("spec") or {}).get("template") or {}
        namespace = str(obj["metadata"].get("namespace") or "")
        for _ in range(count):
            body = pod_from_template(
                template,
                owner_reference(self.rt, obj),
                generate_name=f"{obj['metadata']['name']}-",
            )
            pod = self.ctx.create(self.pods, namespace, body)
            self.events.record(
                obj, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"
            )
