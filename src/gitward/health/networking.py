"""Health of Services and Ingresses: both are Healthy once they have an address where one is due.

A Service of type LoadBalancer, and every Ingress, waits while ``status.loadBalancer.ingress`` is
empty, as in Argo CD. Other Services are Healthy as soon as they exist.

A non-empty list whose entries name neither an IP nor a hostname (``ingress: [{}]``) is Healthy,
as in Argo CD (argo-cd #997): controllers such as ingress-nginx without ``--publish-service`` write
exactly that and never anything more, so waiting for an address would keep the app Progressing
forever and block every later sync wave. gitward says so in the message, so the missing address
is visible without failing anything.
"""

from __future__ import annotations

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["ingress", "service"]

NO_ADDRESS = (
    "The load balancer reports an ingress point without an IP or hostname; "
    "check that its controller publishes an address"
)


def _address_health(obj: Manifest, waiting: str) -> Health:
    entries = reading.sequence(obj, "status.loadBalancer.ingress")
    if not entries:
        return Health(HealthStatus.PROGRESSING, waiting)
    if any(isinstance(e, dict) and (e.get("ip") or e.get("hostname")) for e in entries):
        return Health(HealthStatus.HEALTHY)
    return Health(HealthStatus.HEALTHY, NO_ADDRESS)


def service(obj: Manifest) -> Health:
    if reading.text(obj, "spec.type") != "LoadBalancer":
        return Health(HealthStatus.HEALTHY)
    return _address_health(obj, "Waiting for the load balancer to be assigned an address")


def ingress(obj: Manifest) -> Health:
    return _address_health(obj, "Waiting for the ingress controller to assign an address")
