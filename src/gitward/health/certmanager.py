"""Health of cert-manager's Certificate, CertificateRequest, Issuer and ClusterIssuer.

The generic convention check is too weak for a Certificate: during its first issuance cert-manager
sets ``Ready=False`` (reason ``DoesNotExist``) beside ``Issuing=True``, which is work under way, not
a failure. So ``Issuing=True`` decides first (Progressing), then ``Ready``: True is Healthy, False
Degraded (a failed issuance, an expired or mismatched secret), Unknown or absent Progressing. A
Ready verdict written for an older generation of the spec is Progressing. Issuers have only
``Ready``. A CertificateRequest that is ``Pending`` is still waiting; ``Failed``, ``Denied`` or
``InvalidRequest`` is Degraded. Argo CD's scripts agree on these statuses; the messages are
gitward's.
"""

from __future__ import annotations

from gitward.health import conventions, reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["certificate", "certificate_request", "issuer"]

GROUP = "cert-manager.io"


def _ready_verdict(obj: Manifest, waiting: str) -> Health:
    ready = reading.condition(obj, "Ready")
    if ready is None:
        return Health(HealthStatus.PROGRESSING, waiting)
    if stale := conventions.stale_condition(obj, ready):
        return stale
    if ready.get("status") == "True":
        return Health(HealthStatus.HEALTHY, conventions.detail(ready))
    if ready.get("status") == "False":
        return Health(HealthStatus.DEGRADED, conventions.detail(ready, "Ready is False"))
    return Health(HealthStatus.PROGRESSING, conventions.detail(ready, waiting))


def certificate(obj: Manifest) -> Health:
    issuing = reading.condition(obj, "Issuing")
    if issuing is not None and conventions.is_true(issuing):
        return Health(
            HealthStatus.PROGRESSING,
            f"Issuing the certificate: {conventions.detail(issuing, 'a request is in flight')}",
        )
    return _ready_verdict(obj, "Waiting for the certificate to be issued")


def issuer(obj: Manifest) -> Health:
    return _ready_verdict(obj, "Waiting for the issuer to be registered")


def certificate_request(obj: Manifest) -> Health:
    for refused in ("Denied", "InvalidRequest"):
        found = reading.condition(obj, refused)
        if found is not None and conventions.is_true(found):
            return Health(HealthStatus.DEGRADED, conventions.detail(found, refused))
    ready = reading.condition(obj, "Ready")
    if ready is not None and ready.get("status") == "False" and ready.get("reason") == "Pending":
        return Health(HealthStatus.PROGRESSING, conventions.detail(ready, "Pending"))
    return _ready_verdict(obj, "Waiting for the issuer to sign the request")
