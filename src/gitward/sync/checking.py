"""Judging what an applied or deleted object has become: healthy, still going, failed, gone.

A resource in a wave that others wait on is done when it is Healthy (or carries
``argocd.argoproj.io/ignore-healthcheck: "true"``) and fails when Degraded; anything else keeps
its wave waiting. A hook is done when Healthy (a Job complete, a Pod succeeded or ready) and
fails when Degraded, Unknown or deleted before it finished; then its delete policy is applied at
once: ``HookSucceeded`` deletes a hook that succeeded, ``HookFailed`` one that failed (per hook,
as the policies read; Argo CD applies them when the whole operation ends). A deleted object is
done when it is gone, or replaced by another with a new uid.
"""

from __future__ import annotations

from gitward.errors import GitwardError, TransientError
from gitward.health import Health, HealthStatus
from gitward.model.annotations import IGNORE_HEALTHCHECK
from gitward.model.objects import Manifest
from gitward.sync.calls import delete, error_text, fresh, uid_of
from gitward.sync.context import SyncContext
from gitward.sync.hooks import DeletePolicy
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
        return await hook_outcome(task, current, context)
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


async def hook_outcome(task: Task, live: Manifest | None, context: SyncContext) -> Outcome:
    """A hook: done when healthy, failed when degraded or gone; its delete policy applied."""
    if live is None:
        return Outcome(
            TaskStatus.FAILED,
            None,
            "the hook object was deleted before it finished (is its ttlSecondsAfterFinished 0?)",
        )
    health = context.assess(live)
    if health.status is HealthStatus.HEALTHY:
        outcome = Outcome(TaskStatus.SUCCEEDED, None, health.message or "hook succeeded")
        policy = DeletePolicy.HOOK_SUCCEEDED
    elif health.status in _FAILING:
        outcome = Outcome(TaskStatus.FAILED, None, _health_text(health))
        policy = DeletePolicy.HOOK_FAILED
    else:
        return Outcome(TaskStatus.RUNNING, None, _health_text(health))
    assert task.hook is not None
    if not task.hook.deletes(policy):
        return outcome
    return await _delete_hook(task, live, context, outcome, policy)


async def _delete_hook(
    task: Task, live: Manifest, context: SyncContext, outcome: Outcome, policy: DeletePolicy
) -> Outcome:
    try:
        await delete(context.cluster, task.key, live, "Background")
    except TransientError:
        raise
    except GitwardError as err:
        return Outcome(
            TaskStatus.FAILED,
            None,
            f"{outcome.message}; it could not be deleted ({policy}): {error_text(err, task)}",
        )
    return Outcome(outcome.status, None, f"{outcome.message}; deleted ({policy})")


def _ignores_health(live: Manifest) -> bool:
    notes = (live.get("metadata") or {}).get("annotations") or {}
    return str(notes.get(IGNORE_HEALTHCHECK, "")).lower() == "true"


def _health_text(health: Health) -> str:
    return f"{health.status.value}: {health.message}" if health.message else health.status.value
