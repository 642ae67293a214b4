"""gitward's sync engine: bring a cluster to what Git declares, in Argo CD's order.

A sync is a stored value advanced by a re-entrant step; the controller drives it::

    op = SyncOperation.start(SyncRequest(revision=sha, prune=True), now=utc_now())
    while not op.completed:
        context = SyncContext(cluster, app, desired=rendered, live=live_from_cache(...))
        op = await step(op, context)          # store op.to_dict() after every step
        ...wait until op.wake_at (or a change of the app's objects; None: a person must act)
    op.phase, op.message, op.results

Public API::

    step(state, context) -> SyncOperation         one step: run what can run now, record it
    drive(state, context, *, within=None)          step until done or waiting for a person
    SyncOperation   the stored state: start(request, now=...), terminate(), confirm_prune(),
                    to_dict(), from_dict(data), completed, phase, message, results, wake_at
    SyncRequest     what was asked: revision, prune, dry_run, allow_empty, confirm_prune,
                    force, resources (selective sync), sync_options, retry, wave_timeout_s
    SyncContext     one step's inputs: cluster, app, desired, live, desired_complete, ...
    ResourceResult  per task: key, phase, wave, status, code, message, hook
    ResultCode      created / configured / unchanged / pruned / prune-skipped / failed
    TaskStatus      running / deleting / succeeded / failed
    OperationPhase  Running / Terminating / Succeeded / Failed / Error
    SyncPhase       PreSync / Sync / PostSync / SyncFail
    plan_sync(request, context, *, operation_id) -> Plan     the ordered tasks (no I/O)
    Plan, Task, Stage                                       planning values
    Hook, HookType, DeletePolicy, hook_of(obj, where)        hooks (Argo CD and Helm)
    SyncOptions, ResourceOptions, PruneMode, sync_options(items, where),
    resource_options(annotations, defaults, where)          sync options
    retry_delay(backoff, retries_so_far) -> float           Argo CD's backoff
    live_from_cache(cache, desired, app), read_live(cluster, desired, app, kinds=...)

Modules by concept: request, state, results (values); options, hooks, tasks, plan (planning);
applying, pruning, checking, finalizing (the hook finalizer), validating, running, calls (acting
through the cluster port); operation (the step); retrying; live. Nothing here talks to a
cluster except through :class:`gitward.kube.Cluster`.
"""

from __future__ import annotations

from gitward.sync.context import SyncContext, utc_now
from gitward.sync.hooks import DeletePolicy, Hook, HookType, hook_of
from gitward.sync.live import live_from_cache, read_live
from gitward.sync.operation import drive, step
from gitward.sync.options import (
    PruneMode,
    ResourceOptions,
    SyncOptions,
    resource_options,
    sync_options,
)
from gitward.sync.plan import Plan, plan_sync
from gitward.sync.request import SyncRequest
from gitward.sync.results import (
    OperationPhase,
    ResourceResult,
    ResultCode,
    SyncPhase,
    TaskStatus,
)
from gitward.sync.retrying import retry_delay
from gitward.sync.state import SyncOperation
from gitward.sync.tasks import Stage, Task

__all__ = [
    "DeletePolicy",
    "Hook",
    "HookType",
    "OperationPhase",
    "Plan",
    "PruneMode",
    "ResourceOptions",
    "ResourceResult",
    "ResultCode",
    "Stage",
    "SyncContext",
    "SyncOperation",
    "SyncOptions",
    "SyncPhase",
    "SyncRequest",
    "Task",
    "TaskStatus",
    "drive",
    "hook_of",
    "live_from_cache",
    "plan_sync",
    "read_live",
    "resource_options",
    "retry_delay",
    "step",
    "sync_options",
    "utc_now",
]
