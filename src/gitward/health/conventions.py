"""Health of a custom resource following the Kubernetes status conventions, as kstatus reads them.

Argo CD has no health for a kind without a check of its own, so a custom resource whose controller
says it failed is Healthy there until someone writes a Lua script. gitward reads the conventions
most controllers follow instead (sigs.k8s.io/cli-utils ``kstatus``, and the ``Ready`` condition
that Flux, cert-manager, Knative, KEDA and most operators set), in this order:

1. no ``status`` at all, or an empty one: Healthy. kstatus calls such a resource Current and Argo CD
   gives it no health; a ConfigMap-like kind has nothing to wait for;
2. ``status.observedGeneration`` behind ``metadata.generation``: Progressing, the controller has not
   seen the latest spec yet (kstatus's first rule);
3. ``Stalled=True``: Degraded (kstatus Failed); ``Reconciling=True``: Progressing (kstatus
   InProgress). These "abnormal-true" conditions decide before ``Ready``, as in kstatus;
4. ``Ready``: a verdict recorded for an older generation (the condition's own
   ``observedGeneration``) is Progressing; ``True`` is Healthy; ``Unknown`` is Progressing;
   ``False`` is Degraded when its reason names a failure (``...Failed``, ``...Error``,
   ``Invalid...``, ``Denied``, ``BackOff``, ``...Expired``, ``...Exceeded``), and Progressing with
   the controller's message otherwise (``Creating``, ``ClusterIsNotReady``, no reason). kstatus
   itself ignores ``Ready`` and would call a resource whose ``Ready`` is False Current; a failure
   the controller reports is what an operator needs to see. But a Degraded resource fails its sync
   wave at once, and many operators say ``Ready=False`` for as long as they are creating things,
   so only a reason that says "failed" is taken as a failure: any other stays Progressing, and a
   wave waiting on it ends at its timeout with the controller's message;
5. none of these conditions: Healthy (kstatus Current).

The helpers below are shared by the checks of specific kinds that refine these rules. This module
only reads objects.
"""

from __future__ import annotations

from typing import Any

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = [
    "FAILURE_WORDS",
    "custom_resource",
    "detail",
    "is_true",
    "names_a_failure",
    "ready",
    "stale_condition",
    "stale_generation",
]

FAILURE_WORDS = (
    "fail",
    "error",
    "invalid",
    "denied",
    "forbidden",
    "unauthorized",
    "backoff",
    "crash",
    "expired",
    "exceeded",
)
"""Words of a ``Ready=False`` reason (compared case-insensitively) that mean "failed"."""


def names_a_failure(reason: object) -> bool:
    """Whether a condition's reason says something failed (see ``FAILURE_WORDS``)."""
    text = str(reason or "").lower()
    return any(word in text for word in FAILURE_WORDS)


def is_true(condition: dict[str, Any] | None) -> bool:
    return condition is not None and condition.get("status") == "True"


def detail(condition: dict[str, Any], fallback: str = "") -> str:
    """The condition's message, else its reason, else ``fallback``: what an operator reads."""
    return str(condition.get("message") or condition.get("reason") or fallback).strip()


def _generation_of(value: object) -> int | None:
    """A generation as an integer; Argo Rollouts writes its observedGeneration as a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def stale_generation(obj: Manifest) -> Health | None:
    """Progressing when ``status.observedGeneration`` is behind ``metadata.generation``."""
    generation = _generation_of(reading.mapping(obj, "metadata").get("generation"))
    observed = _generation_of(reading.mapping(obj, "status").get("observedGeneration"))
    if generation is None or observed is None or observed >= generation:
        return None
    kind = str(obj.get("kind") or "resource")
    return Health(
        HealthStatus.PROGRESSING,
        f"Waiting for the controller to observe generation {generation} of the {kind} "
        f"(it has seen {observed})",
    )


def stale_condition(obj: Manifest, condition: dict[str, Any]) -> Health | None:
    """Progressing when the condition was written for an older generation of the spec."""
    generation = _generation_of(reading.mapping(obj, "metadata").get("generation"))
    observed = _generation_of(condition.get("observedGeneration"))
    if generation is None or observed is None or observed >= generation:
        return None
    return Health(
        HealthStatus.PROGRESSING,
        f"Waiting for the controller to report {condition.get('type')} for generation "
        f"{generation} (its verdict is for {observed})",
    )


def _abnormal_true(obj: Manifest) -> Health | None:
    stalled = reading.condition(obj, "Stalled")
    if stalled is not None and is_true(stalled):
        return Health(HealthStatus.DEGRADED, detail(stalled, "Stalled"))
    reconciling = reading.condition(obj, "Reconciling")
    if reconciling is not None and is_true(reconciling):
        return Health(HealthStatus.PROGRESSING, detail(reconciling, "Reconciling"))
    return None


def ready(obj: Manifest, condition: dict[str, Any]) -> Health:
    """The verdict of a ``Ready`` condition, by the rules of step 4 above."""
    if stale := stale_condition(obj, condition):
        return stale
    status = condition.get("status")
    if status == "True":
        return Health(HealthStatus.HEALTHY, detail(condition))
    if status == "False" and names_a_failure(condition.get("reason")):
        return Health(HealthStatus.DEGRADED, detail(condition, "Ready is False"))
    fallback = "Ready is False" if status == "False" else "Waiting to become ready"
    return Health(HealthStatus.PROGRESSING, detail(condition, fallback))


def custom_resource(obj: Manifest) -> Health:
    """The generic verdict for a kind with no check of its own (see the module docstring)."""
    if not reading.mapping(obj, "status"):
        return Health(HealthStatus.HEALTHY)
    if stale := stale_generation(obj):
        return stale
    if abnormal := _abnormal_true(obj):
        return abnormal
    condition = reading.condition(obj, "Ready")
    return ready(obj, condition) if condition is not None else Health(HealthStatus.HEALTHY)
