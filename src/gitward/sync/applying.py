"""Applying one task's object: server-side apply, hooks created afresh, objects replaced.

Every apply is server-side apply as field manager ``gitward`` with ``force``: Git is the owner of
the fields it declares, as with Argo CD's ``ServerSideApply=true`` (``--force-conflicts``) and
with client-side ``kubectl apply``, which overwrites without asking. The object carries the app's
tracking mark (the plan stamped it).

A hook is created with the hook finalizer (the plan added it), and its result says so, so that
it is released later (:mod:`gitward.sync.finalizing`). A hook whose delete policy is
BeforeHookCreation (the default) and whose object exists is deleted first (losing a hook
finalizer an earlier sync left on it); the task waits until it is gone and is then created.
``Replace=true`` replaces the object whole (HTTP PUT, ``kubectl replace``); with ``Force=true``
as well it is deleted and created again (``kubectl replace --force``), except
CustomResourceDefinitions and Namespaces, which are never deleted for a replace (that would
delete everything in them, as Argo CD also avoids).
After a CRD is applied, the step waits (bounded) for it to be Established, so that its custom
resources can follow.
"""

from __future__ import annotations

import asyncio

from gitward.kube.cluster import FieldValidation, Propagation
from gitward.model.objects import Manifest
from gitward.sync.calls import (
    delete,
    fresh,
    is_terminating,
    resource_version,
    uid_of,
)
from gitward.sync.checking import hook_outcome, resource_outcome
from gitward.sync.context import SyncContext
from gitward.sync.finalizing import remove_finalizer
from gitward.sync.hooks import DeletePolicy
from gitward.sync.ledger import Outcome
from gitward.sync.results import ResultCode, TaskStatus
from gitward.sync.tasks import Task, crd_kind

__all__ = [
    "apply_task",
    "change_code",
    "is_replaced_by_delete",
    "validation",
    "with_version",
]

_CRD_POLL_S = 0.05


async def apply_task(task: Task, context: SyncContext, *, final: bool) -> Outcome:
    """Apply ``task``'s object. ``final``: no later wave waits on this one, so a resource is
    done once applied (its health is the app's concern from then on, as in Argo CD)."""
    assert task.target is not None
    if task.hook is not None:
        return await _apply_hook(task, context)
    if task.options.replace:
        return await _replace(task, context, final=final)
    answer = await context.cluster.apply(task.target, force=True, field_validation=validation(task))
    await _wait_established(task, context)
    return _settled(task, task.live, answer, context, final=final)


def validation(task: Task) -> FieldValidation:
    """``Validate=false`` lets unknown fields through; otherwise they are refused, as
    ``kubectl apply`` refuses them by default."""
    return "Strict" if task.options.validate else "Ignore"


def change_code(before: Manifest | None, after: Manifest) -> ResultCode:
    """Created when there was nothing, unchanged when the resourceVersion stayed the same."""
    if before is None:
        return ResultCode.CREATED
    same = resource_version(before) and resource_version(before) == resource_version(after)
    return ResultCode.UNCHANGED if same else ResultCode.CONFIGURED


def is_replaced_by_delete(task: Task, live: Manifest | None, context: SyncContext) -> bool:
    """Whether applying ``task`` deletes ``live`` first (so a dry run would test an update that
    never happens)."""
    if live is None or task.target is None:
        return False
    if task.hook is not None:
        return task.hook.deletes(DeletePolicy.BEFORE_HOOK_CREATION)
    return task.options.replace and task.options.force and not _never_deleted(task.target)


async def _apply_hook(task: Task, context: SyncContext) -> Outcome:
    assert task.target is not None and task.hook is not None
    current = await fresh(context.cluster, task.key, task.api_version)
    if current is not None and task.hook.deletes(DeletePolicy.BEFORE_HOOK_CREATION):
        await remove_finalizer(context.cluster, task.key, task.api_version, uid_of(current))
        waiting = await _delete_first(task, current, context, "Background")
        if waiting is not None:
            return waiting
        current = None
    answer = await context.cluster.apply(task.target, force=True, field_validation=validation(task))
    checked = hook_outcome(answer, context)
    code = change_code(current, answer)
    return Outcome(checked.status, code, checked.message, uid_of(answer), finalizer=True)


async def _replace(task: Task, context: SyncContext, *, final: bool) -> Outcome:
    assert task.target is not None
    cluster = context.cluster
    current = await fresh(cluster, task.key, task.api_version)
    if current is None:
        answer = await cluster.apply(task.target, force=True, field_validation=validation(task))
        return _settled(task, None, answer, context, final=final)
    if not is_replaced_by_delete(task, current, context):
        answer = await cluster.replace(with_version(task.target, current))
        return _settled(task, current, answer, context, final=final)
    waiting = await _delete_first(task, current, context, "Foreground")
    if waiting is not None:
        return waiting
    answer = await cluster.apply(task.target, force=True, field_validation=validation(task))
    return _settled(task, None, answer, context, final=final)


async def _delete_first(
    task: Task, current: Manifest, context: SyncContext, propagation: Propagation
) -> Outcome | None:
    """Delete the existing copy; an outcome to wait on while it goes, None once it is gone."""
    why = "the previous hook object" if task.is_hook else "the object, to create it again"
    if not is_terminating(current):
        kept = await delete(context.cluster, task.key, current, propagation)
        if kept is None:
            return None
    return Outcome(TaskStatus.DELETING, None, f"deleting {why}", uid_of(current))


def _settled(
    task: Task, before: Manifest | None, answer: Manifest, context: SyncContext, *, final: bool
) -> Outcome:
    code = change_code(before, answer)
    if final:
        return Outcome(TaskStatus.SUCCEEDED, code, code.value, uid_of(answer))
    judged = resource_outcome(task, answer, context, code)
    return Outcome(judged.status, code, judged.message, uid_of(answer))


def with_version(target: Manifest, current: Manifest) -> Manifest:
    """``target`` carrying ``current``'s resourceVersion, as a replace (PUT) must."""
    metadata = {**target["metadata"], "resourceVersion": resource_version(current)}
    return {**target, "metadata": metadata}


def _never_deleted(target: Manifest) -> bool:
    return crd_kind(target) is not None or (
        target.get("apiVersion") == "v1" and target.get("kind") == "Namespace"
    )


async def _wait_established(task: Task, context: SyncContext) -> None:
    """Wait (bounded) until an applied CRD serves its kind; give up quietly: the custom
    resources' own applies then say what is wrong."""
    if task.target is None or crd_kind(task.target) is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + context.crd_ready_timeout_s
    while loop.time() < deadline:
        current = await fresh(context.cluster, task.key, task.api_version)
        if _established(current):
            return
        await asyncio.sleep(_CRD_POLL_S)


def _established(crd: Manifest | None) -> bool:
    for condition in ((crd or {}).get("status") or {}).get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "Established":
            return condition.get("status") == "True"
    return False
