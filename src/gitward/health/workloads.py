"""Health of the workload controllers: Deployment, StatefulSet, DaemonSet, ReplicaSet.

The rules follow ``kubectl rollout status`` as Argo CD's gitops-engine does: a controller that has
not observed the latest spec is Progressing; a rollout is finished when every replica is updated and
available. Each function reads one live object and returns a verdict; none of them looks at pods.
"""

from __future__ import annotations

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["daemon_set", "deployment", "replica_set", "stateful_set"]

HEALTHY = Health(HealthStatus.HEALTHY)


def _rolling(message: str) -> Health:
    return Health(HealthStatus.PROGRESSING, f"Waiting for rollout to finish: {message}")


def unobserved_generation(obj: Manifest) -> Health | None:
    """Progressing while the controller has not seen the latest spec, else None."""
    desired = reading.integer(obj, "metadata.generation")
    observed = reading.integer(obj, "status.observedGeneration")
    if observed < desired:
        return _rolling(
            f"observed generation {observed} is older than desired generation {desired}"
        )
    return None


def deployment(obj: Manifest) -> Health:
    if reading.mapping(obj, "spec").get("paused") is True:
        return Health(HealthStatus.SUSPENDED, "Deployment is paused")
    if stale := unobserved_generation(obj):
        return stale
    progressing = reading.condition(obj, "Progressing")
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        detail = progressing.get("message")
        suffix = f": {detail}" if isinstance(detail, str) and detail else ""
        return Health(
            HealthStatus.DEGRADED, f"Deployment has exceeded its progress deadline{suffix}"
        )
    return _replica_progress(obj)


def _replica_progress(obj: Manifest) -> Health:
    wanted = reading.integer(obj, "spec.replicas", default=1)
    updated = reading.integer(obj, "status.updatedReplicas")
    total = reading.integer(obj, "status.replicas")
    available = reading.integer(obj, "status.availableReplicas")
    if updated < wanted:
        return _rolling(f"{updated} of {wanted} new replicas have been updated")
    if total > updated:
        old = total - updated
        verb = "is" if old == 1 else "are"
        return _rolling(f"{old} old {_replicas(old)} {verb} pending termination")
    if available < updated:
        return _rolling(f"{available} of {updated} updated replicas are available")
    return HEALTHY


def _replicas(count: int) -> str:
    return "replica" if count == 1 else "replicas"


def stateful_set(obj: Manifest) -> Health:
    if stale := unobserved_generation(obj):
        return stale
    if reading.integer(obj, "status.observedGeneration") == 0:
        return Health(HealthStatus.PROGRESSING, "Waiting for the StatefulSet spec to be observed")
    wanted = reading.integer(obj, "spec.replicas", default=1)
    ready = reading.integer(obj, "status.readyReplicas")
    if ready < wanted:
        return _rolling(f"{ready} of {wanted} pods are ready")
    return _stateful_update(obj, wanted, ready)


def _stateful_update(obj: Manifest, wanted: int, ready: int) -> Health:
    updated = reading.integer(obj, "status.updatedReplicas")
    strategy = reading.mapping(obj, "spec.updateStrategy")
    if strategy.get("type") == "OnDelete":
        return Health(HealthStatus.HEALTHY, f"Update strategy is OnDelete: {ready} pods are ready")
    partition = reading.mapping(obj, "spec.updateStrategy.rollingUpdate").get("partition")
    if partition is not None:
        partition = reading.integer(obj, "spec.updateStrategy.rollingUpdate.partition")
        return _partitioned(wanted - partition, updated, partition)
    update_revision = reading.text(obj, "status.updateRevision")
    if update_revision != reading.text(obj, "status.currentRevision"):
        return _rolling(f"{updated} of {wanted} pods are at revision {update_revision}")
    return HEALTHY


def _partitioned(target: int, updated: int, partition: int) -> Health:
    if updated < target:
        return Health(
            HealthStatus.PROGRESSING,
            f"Waiting for partitioned rollout to finish: {updated} of {target} new pods "
            "have been updated",
        )
    if partition > 0:
        return Health(
            HealthStatus.HEALTHY,
            f"Partitioned rollout complete: {updated} new pods have been updated",
        )
    return HEALTHY


def daemon_set(obj: Manifest) -> Health:
    if stale := unobserved_generation(obj):
        return stale
    desired = reading.integer(obj, "status.desiredNumberScheduled")
    updated = reading.integer(obj, "status.updatedNumberScheduled")
    available = reading.integer(obj, "status.numberAvailable")
    if reading.mapping(obj, "spec.updateStrategy").get("type") == "OnDelete":
        return Health(
            HealthStatus.HEALTHY,
            f"Update strategy is OnDelete: {updated} of {desired} pods have been updated",
        )
    if updated < desired:
        return _rolling(f"{updated} of {desired} new pods have been updated")
    if available < desired:
        return _rolling(f"{available} of {desired} updated pods are available")
    return HEALTHY


def replica_set(obj: Manifest) -> Health:
    if stale := unobserved_generation(obj):
        return stale
    failure = reading.condition(obj, "ReplicaFailure")
    if failure is not None and failure.get("status") == "True":
        detail = failure.get("message") or failure.get("reason") or "no reason given"
        return Health(HealthStatus.DEGRADED, f"ReplicaSet cannot create pods: {detail}")
    wanted = reading.integer(obj, "spec.replicas", default=1)
    available = reading.integer(obj, "status.availableReplicas")
    if available < wanted:
        return _rolling(f"{available} of {wanted} replicas are available")
    return HEALTHY
