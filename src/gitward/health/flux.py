"""Health of Flux objects: Kustomization, HelmRelease and the sources (GitRepository, ...).

Flux follows kstatus (``Ready``, ``Reconciling``, ``Stalled``, ``observedGeneration``), with two
refinements the generic check lacks:

- ``spec.suspend: true`` is Suspended: Flux will not act until someone resumes it;
- a failure Flux retries is reported as ``Ready=False`` beside ``Reconciling=True`` (reason
  ``ProgressingWithRetry``). kstatus reads that as InProgress; gitward, like Argo CD's script,
  calls it Degraded, since the last attempt failed and nothing says the next one will not.
  ``Ready=False`` for ``DependencyNotReady`` (waiting on ``dependsOn``) is Progressing.

A Flux object with no ``Ready`` yet is Progressing (Flux has not reconciled it once).
"""

from __future__ import annotations

from typing import Any

from gitward.health import conventions, reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["KINDS", "flux_object"]

KINDS: tuple[tuple[str, str], ...] = (
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
    ("source.toolkit.fluxcd.io", "GitRepository"),
    ("source.toolkit.fluxcd.io", "HelmRepository"),
    ("source.toolkit.fluxcd.io", "HelmChart"),
    ("source.toolkit.fluxcd.io", "OCIRepository"),
    ("source.toolkit.fluxcd.io", "Bucket"),
)
"""The (group, kind) pairs judged here."""

_WAITING_REASONS = frozenset({"Progressing", "DependencyNotReady"})


def flux_object(obj: Manifest) -> Health:
    kind = str(obj.get("kind") or "object")
    if reading.mapping(obj, "spec").get("suspend") is True:
        return Health(HealthStatus.SUSPENDED, f"{kind} is suspended")
    if stale := conventions.stale_generation(obj):
        return stale
    stalled = reading.condition(obj, "Stalled")
    if stalled is not None and conventions.is_true(stalled):
        return Health(HealthStatus.DEGRADED, conventions.detail(stalled, "Stalled"))
    ready = reading.condition(obj, "Ready")
    if ready is None:
        return Health(HealthStatus.PROGRESSING, f"Waiting for Flux to reconcile the {kind}")
    return conventions.stale_condition(obj, ready) or _ready(ready)


def _ready(ready: dict[str, Any]) -> Health:
    status, reason = ready.get("status"), ready.get("reason")
    if status == "True":
        return Health(HealthStatus.HEALTHY, conventions.detail(ready))
    if status == "False" and reason not in _WAITING_REASONS:
        return Health(HealthStatus.DEGRADED, conventions.detail(ready, "Ready is False"))
    return Health(HealthStatus.PROGRESSING, conventions.detail(ready, "Reconciling"))
