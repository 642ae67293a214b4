"""Health of a HorizontalPodAutoscaler, from its conditions.

autoscaling/v2 (and v2beta1/v2beta2) carry conditions in ``status.conditions``; autoscaling/v1 in
the ``autoscaling.alpha.kubernetes.io/conditions`` annotation as JSON. Which condition decides, as
in Argo CD since argo-cd #26274 (failures first, whatever their position in the list):

1. a condition that says the controller failed (status False with a ``Failed*`` reason, such as
   ``FailedGetScale`` or ``FailedGetResourceMetric``, or ``InvalidSelector``) is Degraded. Argo CD
   lists (type, reason) pairs; gitward takes every ``Failed*`` reason, which is how the HPA
   controller names each of its failures, so a new metric source's failure is not Healthy;
2. ``AbleToScale=True`` or ``ScalingLimited=True`` is Healthy. ``ScalingActive=False`` alone is
   not a failure: its reason ``ScalingDisabled`` means the target was scaled to zero on purpose;
3. otherwise (no conditions yet, ``AbleToScale=False`` during a backoff) Progressing.
"""

from __future__ import annotations

import json
from typing import Any

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["horizontal_pod_autoscaler"]

V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"


def _conditions(obj: Manifest) -> list[dict[str, Any]]:
    found = reading.conditions(obj)
    if found:
        return found
    encoded = reading.annotations_of(obj).get(V1_CONDITIONS)
    if not encoded:
        return []
    try:
        decoded = json.loads(encoded)
    except ValueError as err:
        path = f"metadata.annotations[{V1_CONDITIONS}]"
        raise reading.FieldTypeError(path, "a JSON list of conditions", encoded) from err
    return (
        [entry for entry in decoded if isinstance(entry, dict)] if isinstance(decoded, list) else []
    )


def _is_failure(condition: dict[str, Any]) -> bool:
    reason = str(condition.get("reason") or "")
    return condition.get("status") == "False" and (
        reason.startswith("Failed") or reason == "InvalidSelector"
    )


def _healthy(by_type: dict[str, dict[str, Any]]) -> Health:
    limited = by_type.get("ScalingLimited")
    if limited is not None and limited.get("status") == "True" and limited.get("message"):
        return Health(HealthStatus.HEALTHY, f"Scaling is limited: {limited['message']}")
    active = by_type.get("ScalingActive")
    if active is not None and active.get("status") == "False" and active.get("message"):
        return Health(HealthStatus.HEALTHY, f"Scaling is not active: {active['message']}")
    return Health(HealthStatus.HEALTHY)


def horizontal_pod_autoscaler(obj: Manifest) -> Health:
    conditions = _conditions(obj)
    if not conditions:
        return Health(
            HealthStatus.PROGRESSING, "Waiting for the autoscaler to report its conditions"
        )
    for condition in conditions:
        if _is_failure(condition):
            detail = condition.get("message") or condition.get("reason")
            return Health(HealthStatus.DEGRADED, f"Autoscaler cannot scale: {detail}")
    by_type = {str(c.get("type")): c for c in conditions}
    if any(by_type.get(t, {}).get("status") == "True" for t in ("AbleToScale", "ScalingLimited")):
        return _healthy(by_type)
    able = by_type.get("AbleToScale") or {}
    detail = able.get("message") or "AbleToScale is not yet true"
    return Health(HealthStatus.PROGRESSING, f"Waiting to autoscale: {detail}")
