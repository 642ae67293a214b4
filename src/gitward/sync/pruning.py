"""Pruning: deleting the app's objects that Git no longer declares, and only those.

An object may be pruned only while it is the app's own: it carries this app's tracking mark for
itself (a mark copied from another object does not count), it is no hook, and no other object
owns it (children go with their owner). An ApplicationSet's owner reference on an Application does
not count: gitward's sets are expanded by the very parent app that prunes what they stop
generating, and no garbage collector would delete the app for them. The plan picks candidates
from the caller's view of the cluster; before deleting, the object is read again and checked
again, and the delete carries its uid as a precondition, so an object that changed hands or was
re-created meanwhile is left alone. Deletion uses the sync's ``PrunePropagationPolicy``
(foreground by default, as in Argo CD) and the task waits until the object is gone.
"""

from __future__ import annotations

from gitward.kube.cluster import Propagation
from gitward.kube.tracking import Tracking, owning_app
from gitward.model.annotations import APP_GROUP, APPSET_KIND, HELM_HOOK, HOOK
from gitward.model.objects import Manifest
from gitward.sync.calls import delete, fresh, is_terminating, uid_of
from gitward.sync.context import SyncContext
from gitward.sync.ledger import Outcome
from gitward.sync.results import ResultCode, TaskStatus
from gitward.sync.tasks import Task

__all__ = ["is_apps_own", "prune_task"]


def is_apps_own(obj: Manifest, app: str, tracking: Tracking) -> bool:
    """Whether ``obj`` may be pruned for ``app``: its own mark, no hook, no owner."""
    metadata = obj.get("metadata") or {}
    notes = metadata.get("annotations") or {}
    return (
        owning_app(obj, tracking) == app
        and HOOK not in notes
        and HELM_HOOK not in notes
        and not _owned(metadata)
    )


def _owned(metadata: Manifest) -> bool:
    """Whether an owner reference other than an ApplicationSet's names the object."""
    owners = metadata.get("ownerReferences")
    return any(
        not (
            isinstance(owner, dict)
            and owner.get("kind") == APPSET_KIND
            and str(owner.get("apiVersion", "")).startswith(f"{APP_GROUP}/")
        )
        for owner in owners or []
    )


async def prune_task(task: Task, context: SyncContext, propagation: Propagation) -> Outcome:
    """Delete the task's object if it is still the app's own."""
    current = await fresh(context.cluster, task.key, task.api_version)
    if current is None:
        return Outcome(TaskStatus.SUCCEEDED, ResultCode.PRUNED, "pruned (it was already gone)")
    if not is_apps_own(current, context.app.name, context.tracking):
        return Outcome(
            TaskStatus.SUCCEEDED,
            ResultCode.PRUNE_SKIPPED,
            "ignored (it is no longer this app's own object)",
        )
    if not is_terminating(current):
        kept = await delete(context.cluster, task.key, current, propagation)
        if kept is None:
            return Outcome(TaskStatus.SUCCEEDED, ResultCode.PRUNED, "pruned", uid_of(current))
    return Outcome(
        TaskStatus.DELETING, ResultCode.PRUNED, "pruned; waiting until it is gone", uid_of(current)
    )
