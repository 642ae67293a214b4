"""The HorizontalPodAutoscaler controller: keep the target's replicas within
``[minReplicas, maxReplicas]`` through its ``/scale`` view, as the real controller does before
it looks at any metric (a Deployment rendered without ``replicas`` starts at 1 and is scaled to
``minReplicas``). The sandbox has no load, so within the range the current count is the
recommendation. A target scaled to 0 turns autoscaling off, as in Kubernetes.
This module must not create pods or change anything but the target's replica count.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from gitward.sandbox import scale
from gitward.sandbox.controllers.base import Context, KindReconciler
from gitward.sandbox.controllers.pods import conditions
from gitward.sandbox.kinds import SCALABLE, ResourceType
from gitward.sandbox.store import Event
from gitward.sandbox.verbs import WriteOptions, utc_now

__all__ = ["HpaController"]

_BELOW = "Current number of replicas below Spec.MinReplicas"
_ABOVE = "Current number of replicas above Spec.MaxReplicas"


def _condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": kind, "status": status, "reason": reason, "message": message}


def _bounds(spec: dict[str, Any]) -> tuple[int, int]:
    low = int(spec.get("minReplicas") or 1)
    return low, max(low, int(spec.get("maxReplicas") or low))


class HpaController(KindReconciler):
    name = "horizontalpodautoscalers"
    api_version = "autoscaling/v2"
    kind = "HorizontalPodAutoscaler"
    component = "horizontal-pod-autoscaler"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._opts = WriteOptions(field_manager="kube-controller-manager")

    def keys_for(self, event: Event) -> Iterable[Hashable]:
        """Its own objects, and the HPAs whose target changed (someone set its replicas)."""
        if event.resource not in SCALABLE:
            return super().keys_for(event)
        meta = event.obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "")
        return [
            (namespace, str(hpa["metadata"]["name"]))
            for hpa in self.ctx.cluster.store.scan(self.rt.group_resource, namespace)
            if ((hpa.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == meta.get("name")
        ]

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        found = self._target(obj)
        if found is None:
            ref = spec.get("scaleTargetRef") or {}
            why = (
                "the HPA controller was unable to get the target's current scale: "
                f'{ref.get("kind")} "{ref.get("name")}" not found'
            )
            self._report(obj, 0, 0, [_condition("AbleToScale", "False", "FailedGetScale", why)])
            return None
        rtype, target = found
        current = int((target.get("spec") or {}).get("replicas", 1))
        low, high = _bounds(spec)
        if current == 0:
            disabled = "scaling is disabled since the replica count of the target is zero"
            wanted = [_condition("ScalingActive", "False", "ScalingDisabled", disabled)]
            self._report(obj, 0, 0, wanted)
            return None
        desired = min(max(current, low), high)
        scaled_at = None
        if desired != current:
            reason = _BELOW if desired > current else _ABOVE
            scaled_at = self._rescale(obj, rtype, target, desired, reason)
        self._report(obj, current, desired, _active(current, desired, low, high), scaled_at)
        return None

    def _target(self, obj: dict[str, Any]) -> tuple[ResourceType, dict[str, Any]] | None:
        ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        registry = self.ctx.cluster.registry
        rtype = registry.by_kind(str(ref.get("apiVersion", "")), str(ref.get("kind", "")))
        if rtype is None or rtype.group_resource not in SCALABLE:
            return None
        key = (str(obj["metadata"].get("namespace") or ""), str(ref.get("name", "")))
        target = self.ctx.get(rtype, key)
        return (rtype, target) if target is not None else None

    def _rescale(
        self,
        obj: dict[str, Any],
        rtype: ResourceType,
        target: dict[str, Any],
        desired: int,
        reason: str,
    ) -> str:
        """Set the target's replicas through its /scale view; returns when."""
        meta = target["metadata"]
        scale.update_scale(
            self.ctx.cluster,
            rtype,
            str(meta.get("namespace") or ""),
            str(meta["name"]),
            body={"spec": {"replicas": desired}},
            opts=self._opts,
        )
        message = f"New size: {desired}; reason: {reason}"
        self.events.record(obj, "Normal", "SuccessfulRescale", message)
        return utc_now()

    def _report(
        self,
        obj: dict[str, Any],
        current: int,
        desired: int,
        wanted: list[dict[str, Any]],
        scaled_at: str | None = None,
    ) -> None:
        previous = obj.get("status") or {}
        status: dict[str, Any] = {
            "currentReplicas": current,
            "desiredReplicas": desired,
            "currentMetrics": [],
            "conditions": conditions(previous.get("conditions"), wanted),
        }
        last = scaled_at or previous.get("lastScaleTime")
        if last:
            status["lastScaleTime"] = last
        self.ctx.write_status(self.rt, obj, status)


_RESCALED = ("SucceededRescale", "the HPA controller was able to update the target scale to {}")
_SETTLED = ("ReadyForNewScale", "recommended size matches current size")
_METRICS = ("ValidMetricFound", "the HPA was able to successfully calculate a replica count")
_TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
_TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
_IN_RANGE = ("DesiredWithinRange", "the desired count is within the acceptable range")


def _active(current: int, desired: int, low: int, high: int) -> list[dict[str, Any]]:
    """The conditions of an HPA that could read its target."""
    able = _RESCALED if desired != current else _SETTLED
    limited = _TOO_FEW if current < low else _TOO_MANY if current > high else _IN_RANGE
    return [
        _condition("AbleToScale", "True", able[0], able[1].format(desired)),
        _condition("ScalingActive", "True", *_METRICS),
        _condition("ScalingLimited", "False" if limited is _IN_RANGE else "True", *limited),
    ]
