"""Health of external-secrets' ExternalSecret, SecretStore and ClusterSecretStore.

All three report one ``Ready`` condition. The generic check would call an ExternalSecret without
conditions Healthy (it has a status once the controller has seen it), but until ``Ready`` is set
the Kubernetes Secret it promises may not exist, and workloads reading it are about to fail: so no
``Ready`` is Progressing here. ``Ready=False`` (``SecretSyncedError``, ``InvalidProviderConfig``,
an unreachable provider) is Degraded with the controller's message, as in Argo CD.
"""

from __future__ import annotations

from gitward.health import conventions, reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["external_secret", "secret_store"]

GROUP = "external-secrets.io"


def _ready(obj: Manifest, waiting: str) -> Health:
    ready = reading.condition(obj, "Ready")
    if ready is None:
        return Health(HealthStatus.PROGRESSING, waiting)
    if stale := conventions.stale_generation(obj) or conventions.stale_condition(obj, ready):
        return stale
    if ready.get("status") == "True":
        return Health(HealthStatus.HEALTHY, conventions.detail(ready))
    if ready.get("status") == "False":
        return Health(HealthStatus.DEGRADED, conventions.detail(ready, "Ready is False"))
    return Health(HealthStatus.PROGRESSING, conventions.detail(ready, waiting))


def external_secret(obj: Manifest) -> Health:
    return _ready(obj, "Waiting for the secret to be synced from its store")


def secret_store(obj: Manifest) -> Health:
    return _ready(obj, "Waiting for the store to be validated")
