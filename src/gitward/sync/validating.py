"""The dry run before a sync changes anything: every object is sent to the API server as a
server-side dry run, so a bad manifest fails the sync with the API's own message and field
causes while the cluster is still untouched.

Some objects cannot be dry-run and are let through: a custom resource whose kind the cluster
does not serve yet, when its CustomResourceDefinition is part of this sync or the resource says
``SkipDryRunOnMissingResource=true``; an object in a namespace this sync creates (Argo CD runs a
client-side dry run for that reason, which checks much less); and an object that will be deleted
and created again (a hook with BeforeHookCreation, ``Replace=true`` with ``Force=true``), whose
dry run would test an update that never happens. A ``Replace=true`` object is dry-run replaced.
Prunes are dry-run deletes (RBAC is checked). The outcomes double as the results of a dry-run
sync.
"""

from __future__ import annotations

import contextlib

from gitward import diff
from gitward.errors import ConflictError, NotFoundError, UnknownKindError
from gitward.kube.cluster import Propagation
from gitward.model.objects import Manifest
from gitward.sync.applying import is_replaced_by_delete, validation, with_version
from gitward.sync.calls import fresh, uid_of
from gitward.sync.context import SyncContext
from gitward.sync.ledger import Outcome
from gitward.sync.plan import Plan
from gitward.sync.results import ResultCode, TaskStatus
from gitward.sync.tasks import Action, Task

__all__ = ["dry_run_task"]


async def dry_run_task(task: Task, plan: Plan, context: SyncContext) -> Outcome:
    """The dry run of one task: SUCCEEDED with what would happen, or FAILED with why not.
    Refusals other than the ones let through raise (the caller turns them into results)."""
    if task.action is Action.PRUNE:
        return await _dry_prune(task, context, plan.options.prune_propagation)
    assert task.target is not None
    before = task.live
    if task.is_hook or task.options.replace:
        before = await fresh(context.cluster, task.key, task.api_version)
    if is_replaced_by_delete(task, before, context):
        return _let_through(ResultCode.CREATED, "it is deleted and created again")
    try:
        if task.options.replace and before is not None:
            await context.cluster.replace(with_version(task.target, before), dry_run=True)
        else:
            await context.cluster.apply(
                task.target, force=True, dry_run=True, field_validation=validation(task)
            )
    except UnknownKindError:
        if _kind_comes_later(task, plan):
            return _let_through(ResultCode.CREATED, "its kind is not served yet")
        raise
    except NotFoundError:
        if task.key.namespace in plan.created_namespaces:
            return _let_through(ResultCode.CREATED, "its namespace is created by this sync")
        raise
    code = _preview_code(task.target, before, context)
    return Outcome(TaskStatus.SUCCEEDED, code, f"{code.value} (dry run)")


def _kind_comes_later(task: Task, plan: Plan) -> bool:
    return (task.key.group, task.key.kind) in plan.defined_kinds or (
        task.options.skip_dry_run_on_missing
    )


def _let_through(code: ResultCode, why: str) -> Outcome:
    return Outcome(TaskStatus.SUCCEEDED, code, f"{code.value} (not dry-run: {why})")


def _preview_code(target: Manifest, before: Manifest | None, context: SyncContext) -> ResultCode:
    """What an apply would do (a dry run does not reveal it: its resourceVersion stays)."""
    if before is None:
        return ResultCode.CREATED
    compared = diff.compare(target, before, ignore=context.app.ignore_differences)
    return ResultCode.CONFIGURED if compared.modified else ResultCode.UNCHANGED


async def _dry_prune(task: Task, context: SyncContext, propagation: Propagation) -> Outcome:
    # gone, or re-created since (uid precondition): the prune itself reads it again
    with contextlib.suppress(NotFoundError, ConflictError):
        await context.cluster.delete(
            task.key, propagation=propagation, uid=uid_of(task.live) or None, dry_run=True
        )
    return Outcome(TaskStatus.SUCCEEDED, ResultCode.PRUNED, "pruned (dry run)")
