"""Health of Argo Rollouts' Rollout and Argo Workflows' Workflow.

A Rollout reports its own verdict in ``status.phase`` (Healthy, Progressing, Paused, Degraded) and
``status.message`` since Argo Rollouts 1.0; gitward uses it once the controller has observed the
current spec (``status.observedGeneration``, which Rollouts writes as a string). A paused rollout
(a canary pause step, a blue-green preview waiting for promotion, or ``spec.paused``) is
Suspended, as Argo CD shows it; an ``InvalidSpec`` condition is Degraded. An older controller that
writes no phase is judged by its replica counts, like a Deployment.

A Workflow is Progressing while Pending or Running, Healthy when Succeeded, Degraded when Failed or
Error, with the workflow's own message: gitops-engine's built-in rule.
"""

from __future__ import annotations

from gitward.health import conventions, reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["rollout", "workflow"]

_PHASES = {
    "Healthy": HealthStatus.HEALTHY,
    "Progressing": HealthStatus.PROGRESSING,
    "Paused": HealthStatus.SUSPENDED,
    "Degraded": HealthStatus.DEGRADED,
}


def _by_replicas(obj: Manifest) -> Health:
    wanted = reading.integer(obj, "spec.replicas", 1)
    updated = reading.integer(obj, "status.updatedReplicas")
    current = reading.integer(obj, "status.replicas")
    available = reading.integer(obj, "status.availableReplicas")
    waiting = "Waiting for rollout to finish: "
    if updated < wanted:
        return Health(
            HealthStatus.PROGRESSING,
            f"{waiting}{updated} out of {wanted} new replicas have been updated",
        )
    if current > updated:
        return Health(
            HealthStatus.PROGRESSING,
            f"{waiting}{current - updated} old replicas are pending termination",
        )
    if available < updated:
        return Health(
            HealthStatus.PROGRESSING,
            f"{waiting}{available} of {updated} updated replicas are available",
        )
    return Health(HealthStatus.HEALTHY)


def rollout(obj: Manifest) -> Health:
    invalid = reading.condition(obj, "InvalidSpec")
    if invalid is not None and invalid.get("status") != "False":
        return Health(HealthStatus.DEGRADED, conventions.detail(invalid, "The spec is invalid"))
    if stale := conventions.stale_generation(obj):
        return stale
    if reading.mapping(obj, "spec").get("paused") is True:
        return Health(HealthStatus.SUSPENDED, "Rollout is paused")
    phase = reading.text(obj, "status.phase")
    if phase in _PHASES:
        return Health(_PHASES[phase], reading.text(obj, "status.message"))
    return _by_replicas(obj)


def workflow(obj: Manifest) -> Health:
    phase = reading.text(obj, "status.phase")
    message = reading.text(obj, "status.message")
    if phase == "Succeeded":
        return Health(HealthStatus.HEALTHY, message)
    if phase in ("Failed", "Error"):
        return Health(HealthStatus.DEGRADED, message or f"Workflow {phase.lower()}")
    return Health(HealthStatus.PROGRESSING, message)
