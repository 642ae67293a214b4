"""Judging what an applied or deleted object has become: healthy, still going, failed, gone.

A resource in a wave that others wait on is done when it is Healthy (or carries
``argocd.argoproj.io/ignore-healthcheck: "true"``) and fails when Degraded; anything else keeps
its wave waiting. A hook is done when Healthy (a Job complete, a Pod succeeded or ready) and
fails when Degraded, Unknown or gone; the hook finalizer keeps it from going before that is
seen, so gone means someone removed the finalizer. Its delete policy is applied when it is
released (:mod:`gitward.sync.finalizing`): ``HookSucceeded`` deletes a hook that succeeded,
``HookFailed`` one that failed (per hook, as the policies read; Argo CD applies them when the
whole operation ends). A deleted object is done when it is gone, or replaced by another with a
new uid. This module must not write to a cluster.
"""

from __future__ import annotations

from gitward.health import Health, HealthStatus
from gitward.model.annotations import HOOK_FINALIZER, IGNORE_HEALTHCHECK
from gitward.model.objects import Manifest
from gitward.sync.calls import fresh, uid_of
from gitward.sync.context import SyncContext
from gitward.sync.ledger import Outcome
from gitward.sync.results import ResourceResult, ResultCode, TaskStatus
from gitward.sync.tasks import Action, Task

__all__ = ["check", "hook_outcome", "resource_outcome"]

_FAILING = (HealthStatus.DEGRADED, HealthStatus.UNKNOWN, HealthStatus.MISSING)


async def check(task: Task, result: ResourceResult, context: SyncContext) -> Outcome:
    """What a running or deleting task has become since it was recorded."""
    current = await fresh(context.cluster, task.key, task.api_version)
    if result.status is TaskStatus.DELETING:
        if current is None or uid_of(current) != result.uid:
            if task.action is Action.PRUNE:
                return Outcome(TaskStatus.SUCCEEDED, ResultCode.PRUNED, "pruned")
            return Outcome(None, None, "")  # the old copy is gone: create it now
        return Outcome(TaskStatus.DELETING, result.code, result.message)
    if task.is_hook:
        return hook_outcome(current, context)
    return resource_outcome(task, current, context, result.code)


def resource_outcome(
    task: Task, live: Manifest | None, context: SyncContext, code: ResultCode | None
) -> Outcome:
    """A resource that others wait on: done when healthy, failed when degraded."""
    done = code.value if code is not None else "applied"
    if live is None:
        return Outcome(TaskStatus.RUNNING, code, f"{done}; waiting: it is not in the cluster")
    if _ignores_health(live):
        return Outcome(TaskStatus.SUCCEEDED, code, done)
    health = context.assess(live)
    if health.status is HealthStatus.HEALTHY:
        return Outcome(TaskStatus.SUCCEEDED, code, done)
    text = f"{done}; {_health_text(health)}"
    if health.status is HealthStatus.DEGRADED:
        return Outcome(TaskStatus.FAILED, code, text)
    return Outcome(TaskStatus.RUNNING, code, text)


def hook_outcome(live: Manifest | None, context: SyncContext) -> Outcome:
    """A hook: done when healthy, failed when degraded or gone. Its object keeps the hook
    finalizer: :mod:`gitward.sync.finalizing` releases it (and applies the delete policy) once
    this outcome is stored."""
    if live is None:
        return Outcome(
            TaskStatus.FAILED,
            None,
            "the hook object was deleted before it finished (did something remove its "
            f"{HOOK_FINALIZER} finalizer?)",
            finalizer=False,
        )
    health = context.assess(live)
    if health.status is HealthStatus.HEALTHY:
        return Outcome(TaskStatus.SUCCEEDED, None, health.message or "hook succeeded")
    if health.status in _FAILING:
        return Outcome(TaskStatus.FAILED, None, _health_text(health))
    return Outcome(TaskStatus.RUNNING, None, _health_text(health))


def _ignores_health(live: Manifest) -> bool:
    notes = (live.get("metadata") or {}).get("annotations") or {}
    return str(notes.get(IGNORE_HEALTHCHECK, "")).lower() == "true"


def _health_text(health: Health) -> str:
    return f"{health.status.value}: {health.message}" if health.message else health.status.value
