"""Health of a HorizontalPodAutoscaler, from its conditions.

autoscaling/v2 carries conditions in ``status.conditions``; autoscaling/v1 in the
``autoscaling.alpha.kubernetes.io/conditions`` annotation as JSON. Failing to read the scale target
or its metrics is Degraded (Argo CD's list, widened to every ``Failed*`` reason); an autoscaler that
can scale and whose scaling is active is Healthy; anything else is still settling.
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
    for wanted in ("AbleToScale", "ScalingActive"):
        found = by_type.get(wanted)
        if found is None or found.get("status") != "True":
            detail = (found or {}).get("message") or f"{wanted} is not yet true"
            return Health(HealthStatus.PROGRESSING, f"Waiting to autoscale: {detail}")
    limited = by_type.get("ScalingLimited")
    if limited is not None and limited.get("status") == "True" and limited.get("message"):
        return Health(HealthStatus.HEALTHY, f"Scaling is limited: {limited['message']}")
    return Health(HealthStatus.HEALTHY)
