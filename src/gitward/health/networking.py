"""Health of Services and Ingresses: both are Healthy once they have an address where one is due.

A Service of type LoadBalancer, and every Ingress, waits for ``status.loadBalancer.ingress`` to name
an IP or a hostname, as in Argo CD. Other Services are Healthy as soon as they exist.
"""

from __future__ import annotations

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["ingress", "service"]


def _has_address(obj: Manifest) -> bool:
    entries = reading.sequence(obj, "status.loadBalancer.ingress")
    return any(isinstance(e, dict) and (e.get("ip") or e.get("hostname")) for e in entries)


def service(obj: Manifest) -> Health:
    if reading.text(obj, "spec.type") != "LoadBalancer" or _has_address(obj):
        return Health(HealthStatus.HEALTHY)
    return Health(
        HealthStatus.PROGRESSING, "Waiting for the load balancer to be assigned an address"
    )


def ingress(obj: Manifest) -> Health:
    if _has_address(obj):
        return Health(HealthStatus.HEALTHY)
    return Health(
        HealthStatus.PROGRESSING, "Waiting for the ingress controller to assign an address"
    )
