"""The StatefulSet controller: pods ``<name>-0..N-1`` created in order (each after the previous
is Ready, unless ``podManagementPolicy: Parallel``), one PVC per volumeClaimTemplate and
ordinal, rolling updates from the highest ordinal down one pod at a time, and the revision
fields of the status (currentRevision, updateRevision). This module must not touch other kinds'
pods.
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

__all__ = ["StatefulSetController"]

REVISION_LABEL = "controller-revision-hash"


def _ordinal(pod: dict[str, Any]) -> int:
    return int(str(pod["metadata"]["name"]).rsplit("-", 1)[-1])


def _revision_of(pod: dict[str, Any]) -> str:
    return str((pod["metadata"].get("labels") or {}).get(REVISION_LABEL, ""))


class StatefulSetController(KindReconciler):
    name = "statefulsets"
    api_version = "apps/v1"
    kind = "StatefulSet"
    component = "statefulset-controller"
    child_kinds = (("v1", "Pod"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.pods = ctx.rtype("v1", "Pod")
        self.claims = ctx.rtype("v1", "PersistentVolumeClaim")

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        name = obj["metadata"]["name"]
        revision = f"{name}-{template_hash(spec.get('template') or {})}"
        pods = {_ordinal(p): p for p in self.ctx.owned(self.pods, obj) if is_active(p)}
        wanted = int(spec.get("replicas", 1))
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        if not self._create_missing(obj, pods, wanted, revision, ordered):
            self._remove_extra(pods, wanted, ordered)
            self._update_one(obj, pods, wanted, revision)
        self._report(obj, revision)
        return None

    def _create_missing(
        self,
        obj: dict[str, Any],
        pods: dict[int, dict[str, Any]],
        wanted: int,
        revision: str,
        ordered: bool,
    ) -> bool:
        created = False
        for ordinal in range(wanted):
            if ordinal in pods:
                if ordered and not is_ready(pods[ordinal]):
                    return True
                continue
            self._create(obj, ordinal, revision)
            created = True
            if ordered:
                return True
        return created

    def _create(self, obj: dict[str, Any], ordinal: int, revision: str) -> None:
        name = f"{obj['metadata']['name']}-{ordinal}"
        namespace = str(obj["metadata"].get("namespace") or "")
        spec = obj.get("spec") or {}
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{name}"
            if self.ctx.get(self.claims, (namespace, claim_name)) is None:
                body = {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {
                        "name": claim_name,
                        "labels": dict((spec.get("selector") or {}).get("matchLabels") or {}),
                    },
                    "spec": claim.get("spec") or {},
                }
                self.ctx.create(self.claims, namespace, body)
        labels = {
            REVISION_LABEL: revision,
            "statefulset.kubernetes.io/pod-name": name,
            "apps.kubernetes.io/pod-index": str(ordinal),
        }
        body = pod_from_template(
            spec.get("template") or {}, owner_reference(self.rt, obj), name=name, labels=labels
        )
        body["spec"].setdefault("hostname", name)
        if spec.get("serviceName"):
            body["spec"].setdefault("subdomain", spec["serviceName"])
        self.ctx.create(self.pods, namespace, body)
        message = f"create Pod {name} in StatefulSet {obj['metadata']['name']} successful"
        self.events.record(obj, "Normal", "SuccessfulCreate", message)

    def _remove_extra(self, pods: dict[int, dict[str, Any]], wanted: int, ordered: bool) -> None:
        extra = sorted((o for o in pods if o >= wanted), reverse=True)
        for ordinal in extra[:1] if ordered else extra:
            self.ctx.delete(self.pods, pods[ordinal])

    def _update_one(
        self, obj: dict[str, Any], pods: dict[int, dict[str, Any]], wanted: int, revision: str
    ) -> None:
        strategy = (obj.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type") == "OnDelete":
            return
        current = [pods[o] for o in range(wanted) if o in pods]
        if len(current) < wanted or not all(is_ready(p) for p in current):
            return
        partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
        stale = [p for p in current if _revision_of(p) != revision and _ordinal(p) >= partition]
        if stale:
            self.ctx.delete(self.pods, max(stale, key=_ordinal))

    def _report(self, obj: dict[str, Any], revision: str) -> None:
        pods = [p for p in self.ctx.owned(self.pods, obj) if is_active(p)]
        ready = sum(1 for p in pods if is_ready(p))
        updated = sum(1 for p in pods if _revision_of(p) == revision)
        wanted = int((obj.get("spec") or {}).get("replicas", 1))
        previous = obj.get("status") or {}
        current = previous.get("currentRevision") or revision
        if updated == wanted == len(pods) and ready == wanted:
            current = revision
        status = {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "replicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": sum(1 for p in pods if _revision_of(p) == current),
            "updatedReplicas": updated,
            "currentRevision": current,
            "updateRevision": revision,
            "collisionCount": 0,
        }
        self.ctx.write_status(self.rt, obj, status)
