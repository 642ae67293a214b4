"""Health of cluster-scoped plumbing: APIService and Namespace."""

from __future__ import annotations

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["api_service", "namespace"]


def api_service(obj: Manifest) -> Health:
    available = reading.condition(obj, "Available")
    if available is None:
        return Health(HealthStatus.PROGRESSING, "Waiting for the API service to be checked")
    detail = ": ".join(
        str(part) for part in (available.get("reason"), available.get("message")) if part
    )
    if available.get("status") == "True":
        return Health(HealthStatus.HEALTHY, detail)
    return Health(
        HealthStatus.PROGRESSING,
        f"API service is not available: {detail}" if detail else "API service is not available",
    )


def namespace(obj: Manifest) -> Health:
    if reading.text(obj, "status.phase") == "Terminating":
        return Health(HealthStatus.PROGRESSING, "Namespace is terminating")
    return Health(HealthStatus.HEALTHY)
