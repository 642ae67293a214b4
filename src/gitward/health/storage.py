"""Health of a PersistentVolumeClaim: Bound is Healthy, Pending waits, Lost is Degraded."""

from __future__ import annotations

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["persistent_volume_claim"]


def persistent_volume_claim(obj: Manifest) -> Health:
    phase = reading.text(obj, "status.phase")
    if phase == "Bound":
        return Health(HealthStatus.HEALTHY)
    if phase in ("Pending", ""):
        return Health(HealthStatus.PROGRESSING, "Waiting for the claim to be bound to a volume")
    if phase == "Lost":
        return Health(HealthStatus.DEGRADED, "The claim has lost its volume")
    return Health(HealthStatus.UNKNOWN, f'The claim reports an unknown phase "{phase}"')
