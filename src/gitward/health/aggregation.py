"""An application's health from its resources' health.

The rule: the app is as unhealthy as its worst resource, in the order Healthy < Suspended <
Progressing < Missing < Degraded < Unknown, with these resources left out:

- hooks (``argocd.argoproj.io/hook`` or ``helm.sh/hook``): they judge a sync, not the app;
- resources annotated ``argocd.argoproj.io/ignore-healthcheck: "true"``;
- the app itself, when it manages its own Application object.

A missing resource (in Git, not in the cluster) does not make the app worse, and the app is Missing
only when every counted resource is missing. This is Argo CD's rule (controller/health.go
``setApplicationHealth``) and the one gitward keeps, for a reason: a missing resource is a change
not yet applied, which the sync status already reports as OutOfSync. Counting it as Progressing
would show a manual-sync app as "progressing" for as long as nobody syncs, although nothing moves;
counting it as Missing would hide a Degraded resource behind a lesser status. Unlike Argo CD, the
message of a Healthy app with missing resources says how many are missing, so nothing is silent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitward.health import reading
from gitward.health.checks import assess
from gitward.health.customizations import HealthCustomizations
from gitward.health.status import Health, HealthStatus, worst
from gitward.model.annotations import HELM_HOOK, HOOK, IGNORE_HEALTHCHECK
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["ManagedResource", "aggregate"]


@dataclass(frozen=True, slots=True)
class ManagedResource:
    """One resource of an app: what Git wants, what the cluster has, and, optionally, a verdict
    already reached (a child Application judged against the revision its parent deployed)."""

    key: ResourceKey
    desired: Manifest | None = None
    live: Manifest | None = None
    health: Health | None = None

    @classmethod
    def of(
        cls,
        *,
        desired: Manifest | None = None,
        live: Manifest | None = None,
        health: Health | None = None,
    ) -> ManagedResource:
        """Key taken from the live object, else the desired one."""
        source = live if live is not None else desired
        if source is None:
            raise ValueError("a managed resource needs a desired or a live object")
        return cls(ResourceKey.of(source), desired, live, health)


def _annotations(obj: Manifest | None) -> dict[str, str]:
    if obj is None:
        return {}
    try:
        return reading.annotations_of(obj)
    except reading.FieldTypeError:
        return {}


def _skipped(resource: ManagedResource, app: ResourceKey | None) -> bool:
    if resource.key == app:
        return True
    for obj in (resource.desired, resource.live):
        marks = _annotations(obj)
        if HOOK in marks or HELM_HOOK in marks:
            return True
        if marks.get(IGNORE_HEALTHCHECK, "").lower() == "true":
            return True
    return False


def _resources(count: int) -> str:
    return "resource" if count == 1 else "resources"


def _summary(judged: list[tuple[ResourceKey, Health]], missing: int) -> Health:
    total = len(judged) + missing
    found = worst(health for _, health in judged)
    assert found is not None
    if found.status is HealthStatus.HEALTHY:
        if not missing:
            return Health(HealthStatus.HEALTHY)
        verb = "is" if missing == 1 else "are"
        return Health(
            HealthStatus.HEALTHY,
            f"{missing} of {total} {_resources(total)} {verb} missing and not created yet",
        )
    alike = [(key, h) for key, h in judged if h.status is found.status]
    key, first = alike[0]
    verb = "is" if len(alike) == 1 else "are"
    head = f"{len(alike)} of {total} {_resources(total)} {verb} {found.status.value}: {key}"
    return Health(found.status, f"{head}: {first.message}" if first.message else head)


def aggregate(
    resources: Iterable[ManagedResource],
    *,
    customizations: HealthCustomizations | None = None,
    app: ResourceKey | None = None,
) -> Health:
    """The app's health (see the module docstring); ``app`` is the app's own key, if it may
    appear among its resources. Resources without a verdict are assessed here."""
    judged: list[tuple[ResourceKey, Health]] = []
    missing = 0
    for resource in resources:
        if _skipped(resource, app):
            continue
        if resource.live is None:
            missing += 1
            continue
        health = resource.health
        if health is None:
            health = assess(resource.live, customizations=customizations)
        judged.append((resource.key, health))
    if not judged and not missing:
        return Health(HealthStatus.HEALTHY)
    if not judged:
        every = "The" if missing == 1 else f"All {missing}"
        verb = "is" if missing == 1 else "are"
        return Health(HealthStatus.MISSING, f"{every} {_resources(missing)} {verb} missing")
    return _summary(judged, missing)
