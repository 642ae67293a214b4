"""Health of widely run operators' kinds: Prometheus operator, KEDA, Knative Serving, Cluster API.

Each of these speaks a dialect the generic convention check misreads:

- Prometheus, Alertmanager, ThanosRuler and PrometheusAgent (monitoring.coreos.com) report
  ``Available`` with a third status, ``Degraded``, when some pods are not ready (Progressing: a
  rollout of the StatefulSet passes through it), ``False`` when none is (Degraded); and
  ``Reconciled=False`` when the operator rejected the configuration (Degraded).
- A KEDA ScaledObject or ScaledJob is Suspended while ``Paused=True``, and Degraded while
  ``Fallback=True`` (its scaler fails and it runs on fallback replicas) or ``Ready=False``, except
  ``HPAMetricsUnavailable``, which KEDA 2.20+ reports for a few seconds during every rollout of
  its target (argo-cd #28522): Progressing.
- A Knative Service, Configuration or Route is Degraded when ``Ready`` is False, whatever the
  reason (``RevisionFailed``, ``RevisionMissing``...): Knative reports "not yet" as Unknown.
- A Cluster API Cluster is Suspended when ``spec.paused``; a Cluster or Machine is Degraded in
  phase ``Failed`` or when ``Ready=False`` carries severity ``Error``, Healthy once ``Provisioned``
  (Cluster) or ``Running`` (Machine), and Progressing otherwise with the ``Ready`` message.
"""

from __future__ import annotations

from gitward.health import conventions, reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["cluster_api_cluster", "cluster_api_machine", "keda_scaler", "knative", "prometheus"]


def prometheus(obj: Manifest) -> Health:
    reconciled = reading.condition(obj, "Reconciled")
    if reconciled is not None and reconciled.get("status") == "False":
        return Health(HealthStatus.DEGRADED, conventions.detail(reconciled, "Not reconciled"))
    available = reading.condition(obj, "Available")
    if available is None:
        return Health(HealthStatus.PROGRESSING, "Waiting for the operator to report availability")
    if stale := conventions.stale_condition(obj, available):
        return stale
    status = available.get("status")
    if status == "True":
        return Health(HealthStatus.HEALTHY, "All instances are available")
    if status == "False":
        return Health(HealthStatus.DEGRADED, conventions.detail(available, "No instance is ready"))
    return Health(
        HealthStatus.PROGRESSING, conventions.detail(available, "Some pods are not ready")
    )


def keda_scaler(obj: Manifest) -> Health:
    fallback = reading.condition(obj, "Fallback")
    if fallback is not None and conventions.is_true(fallback):
        return Health(
            HealthStatus.DEGRADED, conventions.detail(fallback, "Using fallback replicas")
        )
    ready = reading.condition(obj, "Ready")
    transient = ready is not None and ready.get("reason") == "HPAMetricsUnavailable"
    if ready is not None and ready.get("status") == "False" and not transient:
        return Health(HealthStatus.DEGRADED, conventions.detail(ready, "Ready is False"))
    paused = reading.condition(obj, "Paused")
    if paused is not None and conventions.is_true(paused):
        return Health(HealthStatus.SUSPENDED, conventions.detail(paused, "Autoscaling is paused"))
    if ready is not None and conventions.is_true(ready):
        return Health(HealthStatus.HEALTHY, conventions.detail(ready))
    waiting = "Waiting for KEDA to create the autoscaler"
    return Health(
        HealthStatus.PROGRESSING, conventions.detail(ready, waiting) if ready else waiting
    )


def knative(obj: Manifest) -> Health:
    if stale := conventions.stale_generation(obj):
        return stale
    ready = reading.condition(obj, "Ready")
    if ready is None:
        return Health(HealthStatus.PROGRESSING, "Waiting for Knative to report readiness")
    if ready.get("status") == "True":
        return Health(HealthStatus.HEALTHY)
    if ready.get("status") == "False":
        return Health(HealthStatus.DEGRADED, conventions.detail(ready, "Ready is False"))
    return Health(HealthStatus.PROGRESSING, conventions.detail(ready, "Waiting to become ready"))


def _cluster_api(obj: Manifest, done_phase: str, noun: str) -> Health:
    phase = reading.text(obj, "status.phase")
    ready = reading.condition(obj, "Ready")
    if phase == "Failed":
        failure = reading.text(obj, "status.failureMessage")
        return Health(HealthStatus.DEGRADED, failure or f"The {noun} failed")
    if ready is not None and ready.get("status") == "False" and ready.get("severity") == "Error":
        return Health(HealthStatus.DEGRADED, conventions.detail(ready, "Ready is False"))
    if phase == done_phase and (ready is None or conventions.is_true(ready)):
        return Health(HealthStatus.HEALTHY)
    waiting = f"Waiting for the {noun} to be {done_phase.lower()} (phase {phase or 'unset'})"
    return Health(
        HealthStatus.PROGRESSING, conventions.detail(ready, waiting) if ready else waiting
    )


def cluster_api_cluster(obj: Manifest) -> Health:
    if reading.mapping(obj, "spec").get("paused") is True:
        return Health(HealthStatus.SUSPENDED, "Cluster is paused")
    return _cluster_api(obj, "Provisioned", "cluster")


def cluster_api_machine(obj: Manifest) -> Health:
    return _cluster_api(obj, "Running", "machine")
