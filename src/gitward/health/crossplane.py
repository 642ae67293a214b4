"""Health of Crossplane resources: managed resources, composites, claims, packages and configs.

Crossplane reports two conditions: ``Synced`` (did the last reconcile with the provider's API
succeed) and ``Ready`` (is the external resource, or every composed resource, available).
Failures show in ``Synced=False`` (``ReconcileError``) and ``LastAsyncOperation=False``: Degraded
with the provider's message. ``Ready=False`` (``Creating``, ``Unavailable``, ``Deleting``, "Unready
resources: ...") is Progressing, as in Argo CD and Crossplane's own guide, because a composite stays
unready for as long as its slowest cloud resource takes to come up. Packages (Provider,
Configuration, Function) are Healthy on ``Healthy=True``, definitions on ``Established=True``,
claims on ``Ready=True``. Kinds that never carry a status (Composition, ProviderConfig...) are
Healthy; any other Crossplane object without conditions is still being provisioned.

Which objects are Crossplane's: groups ending in ``crossplane.io`` or ``upbound.io`` (managed
resources of the official providers), and any object whose conditions include ``Synced`` —
composites and claims live in groups their platform team chose, so only that shape finds them.
"""

from __future__ import annotations

from gitward.health import conventions, reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["is_crossplane", "resource"]

_GROUP_SUFFIXES = ("crossplane.io", "upbound.io")
_NO_STATUS_KINDS = frozenset(
    {
        "Composition",
        "CompositionRevision",
        "DeploymentRuntimeConfig",
        "ControllerConfig",
        "EnvironmentConfig",
        "ProviderConfig",
        "ClusterProviderConfig",
        "ProviderConfigUsage",
    }
)
_HEALTHY_WHEN_TRUE = ("Ready", "Healthy", "Established", "Offered")


def is_crossplane(group: str, obj: Manifest) -> bool:
    """Whether ``obj`` is judged here: a Crossplane group, or Crossplane's condition shape."""
    if any(group == s or group.endswith("." + s) for s in _GROUP_SUFFIXES):
        return True
    return reading.condition(obj, "Synced") is not None


def _failure(obj: Manifest) -> Health | None:
    for kind in ("Synced", "LastAsyncOperation"):
        found = reading.condition(obj, kind)
        if found is not None and found.get("status") == "False":
            return Health(HealthStatus.DEGRADED, conventions.detail(found, f"{kind} is False"))
    return None


def resource(obj: Manifest) -> Health:
    kind = str(obj.get("kind") or "")
    if not reading.conditions(obj):
        if kind in _NO_STATUS_KINDS or kind.endswith("ProviderConfig"):
            return Health(HealthStatus.HEALTHY)
        return Health(HealthStatus.PROGRESSING, "Waiting for Crossplane to report its conditions")
    if failure := _failure(obj):
        return failure
    for kind_of_ready in _HEALTHY_WHEN_TRUE:
        found = reading.condition(obj, kind_of_ready)
        if found is not None and conventions.is_true(found):
            return Health(HealthStatus.HEALTHY, conventions.detail(found))
    waiting = next(
        (c for t in _HEALTHY_WHEN_TRUE if (c := reading.condition(obj, t)) is not None), None
    )
    message = conventions.detail(waiting) if waiting is not None else ""
    return Health(HealthStatus.PROGRESSING, message or "Waiting for the resource to become ready")
