"""The Deployment controller: one ReplicaSet per pod template (named by its pod-template-hash),
rolled with maxSurge/maxUnavailable or recreated, and the status that health checks and
``kubectl rollout status`` read: observedGeneration, replica counts, and the Available and
Progressing conditions, the latter turning ``ProgressDeadlineExceeded`` when a rollout makes no
progress for ``progressDeadlineSeconds`` (times the sandbox's ``time_scale``); a finished rollout
whose pods later fail keeps ``NewReplicaSetAvailable`` and turns Available False instead.
This module must not create pods; ReplicaSets do.
"""

from __future__ import annotations

import math
from typing import Any

from gitward.sandbox.controllers.base import (
    Context,
    KindReconciler,
    owner_reference,
    template_hash,
)
from gitward.sandbox.controllers.pods import conditions
from gitward.sandbox.objects import clone
from gitward.sandbox.verbs import utc_now

__all__ = ["DeploymentController"]

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"


def _spec_replicas(obj: dict[str, Any]) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1))


def _status(obj: dict[str, Any], field: str) -> int:
    return int((obj.get("status") or {}).get(field, 0))


def _revision(obj: dict[str, Any]) -> int:
    return int(((obj["metadata"].get("annotations") or {}).get(REVISION)) or 0)


def _resolve(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(value or 0)


class DeploymentController(KindReconciler):
    name = "deployments"
    api_version = "apps/v1"
    kind = "Deployment"
    component = "deployment-controller"
    child_kinds = (("apps/v1", "ReplicaSet"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.rs_type = ctx.rtype("apps/v1", "ReplicaSet")
        self._owner: dict[str, Any] = {}
        self._progress: dict[str, tuple[tuple[Any, ...], float]] = {}

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        owned = self.ctx.owned(self.rs_type, obj)
        digest = template_hash(spec.get("template") or {})
        new = next((rs for rs in owned if _hash_of(rs) == digest), None)
        if not spec.get("paused"):
            if new is None:
                new = self._create_replicaset(obj, digest, owned)
            else:
                self._promote(new, owned)
            old = [rs for rs in owned if rs["metadata"]["uid"] != new["metadata"]["uid"]]
            self._owner = obj
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(obj, new, old)
            else:
                self._roll(obj, new, old)
        owned = self.ctx.owned(self.rs_type, obj)
        new = next((rs for rs in owned if _hash_of(rs) == digest), None)
        return self._report(obj, new, owned)

    # -- scaling ---------------------------------------------------------------------------

    def _create_replicaset(
        self, obj: dict[str, Any], digest: str, owned: list[dict[str, Any]]
    ) -> dict[str, Any]:
        spec = obj["spec"]
        template = clone(spec.get("template") or {})
        labels = {**((template.get("metadata") or {}).get("labels") or {}), HASH_LABEL: digest}
        template.setdefault("metadata", {})["labels"] = labels
        selector = clone(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: digest}
        revision = max((_revision(rs) for rs in owned), default=0) + 1
        body = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{obj['metadata']['name']}-{digest}",
                "labels": labels,
                "annotations": {
                    REVISION: str(revision),
                    "deployment.kubernetes.io/desired-replicas": str(_spec_replicas(obj)),
                },
                "ownerReferences": [owner_reference(self.rt, obj)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": template},
        }
        namespace = str(obj["metadata"].get("namespace") or "")
        self._progress.pop(obj["metadata"]["uid"], None)
        return self.ctx.create(self.rs_type, namespace, body)

    def _promote(self, new: dict[str, Any], owned: list[dict[str, Any]]) -> None:
        """A rollback reuses an old ReplicaSet; it becomes the newest revision again."""
        newest = max((_revision(rs) for rs in owned), default=0)
        if _revision(new) == newest and sum(_revision(rs) == newest for rs in owned) == 1:
            return
        promoted = clone(new)
        promoted["metadata"].setdefault("annotations", {})[REVISION] = str(newest + 1)
        self.ctx.update(self.rs_type, promoted)
        new["metadata"] = promoted["metadata"]

    def _scale(self, rs: dict[str, Any], replicas: int) -> None:
        before = _spec_replicas(rs)
        if before == replicas:
            return
        scaled = clone(rs)
        scaled["spec"]["replicas"] = replicas
        self.ctx.update(self.rs_type, scaled)
        rs["spec"] = scaled["spec"]
        way = "up" if replicas > before else "down"
        message = f"Scaled {way} replica set {rs['metadata']['name']} from {before} to {replicas}"
        self.events.record(self._owner, "Normal", "ScalingReplicaSet", message)

    def _recreate(
        self, obj: dict[str, Any], new: dict[str, Any], old: list[dict[str, Any]]
    ) -> None:
        if any(_spec_replicas(rs) for rs in old):
            for rs in old:
                self._scale(rs, 0)
            return
        if any(_status(rs, "replicas") for rs in old):
            return
        self._scale(new, _spec_replicas(obj))

    def _roll(self, obj: dict[str, Any], new: dict[str, Any], old: list[dict[str, Any]]) -> None:
        desired = _spec_replicas(obj)
        rolling = ((obj["spec"].get("strategy") or {}).get("rollingUpdate")) or {}
        surge = _resolve(rolling.get("maxSurge", "25%"), desired, round_up=True)
        unavailable = _resolve(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        everything = [new, *old]
        current = _spec_replicas(new)
        if current > desired:
            self._scale(new, desired)
        elif current < desired:
            room = desired + surge - sum(_spec_replicas(rs) for rs in everything)
            self._scale(new, current + max(0, min(room, desired - current)))
        self._scale_down_old(desired - unavailable, new, old)

    def _scale_down_old(
        self, min_available: int, new: dict[str, Any], old: list[dict[str, Any]]
    ) -> None:
        if not any(_spec_replicas(rs) for rs in old):
            return
        everything = [new, *old]
        new_unavailable = _spec_replicas(new) - _status(new, "availableReplicas")
        budget = sum(_spec_replicas(rs) for rs in everything) - min_available - new_unavailable
        oldest_first = sorted(old, key=_revision)
        for rs in oldest_first:
            unhealthy = _spec_replicas(rs) - _status(rs, "availableReplicas")
            if budget > 0 and unhealthy > 0:
                step = min(unhealthy, budget)
                self._scale(rs, _spec_replicas(rs) - step)
                budget -= step
        spare = sum(_status(rs, "availableReplicas") for rs in everything) - min_available
        for rs in oldest_first:
            if spare <= 0:
                break
            step = min(_spec_replicas(rs), spare)
            self._scale(rs, _spec_replicas(rs) - step)
            spare -= step

    # -- status ----------------------------------------------------------------------------

    def _report(
        self, obj: dict[str, Any], new: dict[str, Any] | None, owned: list[dict[str, Any]]
    ) -> float | None:
        desired = _spec_replicas(obj)
        counts = {
            "replicas": sum(_status(rs, "replicas") for rs in owned),
            "updatedReplicas": _status(new, "replicas") if new else 0,
            "readyReplicas": sum(_status(rs, "readyReplicas") for rs in owned),
            "availableReplicas": sum(_status(rs, "availableReplicas") for rs in owned),
        }
        counts["unavailableReplicas"] = max(0, desired - counts["availableReplicas"])
        complete = (
            new is not None
            and counts["updatedReplicas"] == desired
            and counts["availableReplicas"] >= desired
            and counts["replicas"] == counts["updatedReplicas"]
        )
        progressing, wait = self._progressing(obj, new, counts, complete)
        wanted = [_available(obj, counts["availableReplicas"]), progressing]
        status: dict[str, Any] = {"observedGeneration": obj["metadata"].get("generation", 1)}
        status.update({k: v for k, v in counts.items() if v})
        previous = (obj.get("status") or {}).get("conditions")
        status["conditions"] = _with_update_times(previous, conditions(previous, wanted))
        self.ctx.write_status(self.rt, obj, status)
        if new is not None:
            self._annotate(obj, _revision(new))
        return wait

    def _progressing(
        self,
        obj: dict[str, Any],
        new: dict[str, Any] | None,
        counts: dict[str, int],
        complete: bool,
    ) -> tuple[dict[str, Any], float | None]:
        name = new["metadata"]["name"] if new else obj["metadata"]["name"]
        uid = obj["metadata"]["uid"]
        snapshot = (name, obj["metadata"].get("generation"), *counts.values())
        now = self.ctx.monotonic()
        seen, since = self._progress.get(uid, ((), now))
        if seen != snapshot:
            since = now
            self._progress[uid] = (snapshot, now)
        if complete:
            message = f'ReplicaSet "{name}" has successfully progressed.'
            return _progress("True", "NewReplicaSetAvailable", message), None
        finished = _finished_rollout(obj, counts)
        if finished is not None:
            return finished, None
        deadline = float(obj["spec"].get("progressDeadlineSeconds", 600))
        left = deadline * self.ctx.options.time_scale - (now - since)
        if left <= 0:
            message = f'ReplicaSet "{name}" has timed out progressing.'
            return _progress("False", "ProgressDeadlineExceeded", message), None
        message = f'ReplicaSet "{name}" is progressing.'
        return _progress("True", "ReplicaSetUpdated", message), left

    def _annotate(self, obj: dict[str, Any], revision: int) -> None:
        meta = obj["metadata"]
        current = self.ctx.get(self.rt, (str(meta.get("namespace") or ""), str(meta["name"])))
        if current is None or _revision(current) == revision:
            return
        current["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
        self.ctx.update(self.rt, current)


def _available(obj: dict[str, Any], available_replicas: int) -> dict[str, Any]:
    """The Available condition: enough pods available, as maxUnavailable allows."""
    desired = _spec_replicas(obj)
    strategy = obj["spec"].get("strategy") or {}
    max_unavailable = 0
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        rolling = strategy.get("rollingUpdate") or {}
        max_unavailable = _resolve(rolling.get("maxUnavailable", "25%"), desired, False)
    if available_replicas >= desired - max_unavailable:
        return {
            "type": "Available",
            "status": "True",
            "reason": "MinimumReplicasAvailable",
            "message": "Deployment has minimum availability.",
        }
    return {
        "type": "Available",
        "status": "False",
        "reason": "MinimumReplicasUnavailable",
        "message": "Deployment does not have minimum availability.",
    }


def _finished_rollout(obj: dict[str, Any], counts: dict[str, int]) -> dict[str, Any] | None:
    """The Progressing condition of a rollout that already completed and has not started
    another (every pod from the newest ReplicaSet): kept as it is, as the real controller does
    not estimate progress then. Pods that crash later make the Deployment unavailable, not
    timed out."""
    previous = (obj.get("status") or {}).get("conditions") or []
    current = next((c for c in previous if c.get("type") == "Progressing"), None)
    if current is None or current.get("reason") != "NewReplicaSetAvailable":
        return None
    if counts["replicas"] != counts["updatedReplicas"]:
        return None
    kept = ("type", "status", "reason", "message")
    return {k: current[k] for k in kept if k in current}


def _hash_of(rs: dict[str, Any]) -> str:
    return str((rs["metadata"].get("labels") or {}).get(HASH_LABEL, ""))


def _progress(status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": "Progressing", "status": status, "reason": reason, "message": message}


def _with_update_times(
    previous: list[dict[str, Any]] | None, current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add ``lastUpdateTime``, kept while a condition's reason and message stay the same."""
    before = {c.get("type"): c for c in previous or []}
    result = []
    for condition in current:
        old = before.get(condition["type"]) or {}
        same = (old.get("reason"), old.get("message")) == (
            condition.get("reason"),
            condition.get("message"),
        )
        stamp = old.get("lastUpdateTime") if same and old.get("lastUpdateTime") else None
        result.append({**condition, "lastUpdateTime": stamp or utc_now()})
    return result
