"""The hook finalizer: Kubernetes keeps a hook object until the sync has stored how it ended.

As Argo CD does (gitops-engine's ``hook.HookFinalizer``), every hook object a sync creates
carries ``argocd.argoproj.io/hook-finalizer``, so that a Job with ``ttlSecondsAfterFinished: 0``
or a Pod deleted by another controller stays (Terminating) until gitward has read its final
state. The step that sees a hook finish records its result with the finalizer still held; a
later step, once that result is stored, *releases* the hook: it removes the finalizer (a JSON
merge patch guarded by the resourceVersion, read again and retried on a conflict; an object
already gone is released) and then applies the hook's delete policy (``HookSucceeded``,
``HookFailed``). Releasing twice is harmless, so a restart between the two costs nothing. An
operation that ends (terminated, failed, retried) releases every hook it still holds first.

This module must not decide whether a hook has finished (:mod:`gitward.sync.checking` does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from gitward.errors import ConflictError, GitwardError, NotFoundError, TransientError
from gitward.kube.cluster import Cluster
from gitward.model.annotations import HOOK_FINALIZER
from gitward.model.objects import ResourceKey
from gitward.sync.calls import delete, fresh, resource_version, uid_of
from gitward.sync.context import SyncContext
from gitward.sync.hooks import DeletePolicy, Hook, finalizers_of
from gitward.sync.ledger import Ledger
from gitward.sync.results import ResourceResult, SyncPhase, TaskStatus

__all__ = ["release", "release_held", "remove_finalizer"]

Hooks = Mapping[tuple[SyncPhase, ResourceKey], Hook]
"""The hooks of a plan by task id (what decides their delete policies)."""

_CONFLICT_RETRIES = 5
_POLICY_OF = {
    TaskStatus.SUCCEEDED: DeletePolicy.HOOK_SUCCEEDED,
    TaskStatus.FAILED: DeletePolicy.HOOK_FAILED,
}


async def remove_finalizer(cluster: Cluster, key: ResourceKey, api_version: str, uid: str) -> None:
    """Remove the hook finalizer from the object ``uid`` names, if it still carries it; an
    object gone or replaced by another (a new uid) is left alone. A conflict (someone wrote
    the object in between) reads it again and retries; when that keeps happening, a
    TransientError: the next step tries again, the finalizer is not given up."""
    for attempt in range(_CONFLICT_RETRIES):
        live = await fresh(cluster, key, api_version)
        finalizers = finalizers_of(live)
        if live is None or (uid and uid_of(live) != uid) or HOOK_FINALIZER not in finalizers:
            return
        rest = [item for item in finalizers if item != HOOK_FINALIZER]
        body = {"metadata": {"finalizers": rest or None, "resourceVersion": resource_version(live)}}
        try:
            await cluster.patch(key, body, version=api_version.rpartition("/")[2] or None)
            return
        except NotFoundError:
            return
        except ConflictError as err:
            if attempt == _CONFLICT_RETRIES - 1:
                raise TransientError(
                    f"{key} keeps changing while its hook finalizer is removed ({err.problem})",
                    hint="gitward tries again at the next step",
                ) from err


async def release(
    result: ResourceResult, hook: Hook | None, context: SyncContext
) -> tuple[ResourceResult, str]:
    """``result`` once its object is released: the finalizer removed, then, for a hook that
    finished, the object deleted when its delete policy says so; and what went wrong (``""``:
    nothing). A refusal fails the result with a message that says what to do; a cluster that
    does not answer raises TransientError."""
    try:
        await remove_finalizer(context.cluster, result.key, result.api_version, result.uid)
    except TransientError:
        raise
    except GitwardError as err:
        problem = (
            f"could not remove the finalizer {HOOK_FINALIZER} ({err.problem}); remove it by "
            "hand (kubectl edit) so that the object can be deleted"
        )
        text = f"{result.message}; {problem}"
        return replace(result, status=TaskStatus.FAILED, message=text, finalizer=False), problem
    policy = _POLICY_OF.get(result.status)
    if hook is None or policy is None or not hook.deletes(policy):
        return replace(result, finalizer=False), ""
    deleted, problem = await _delete_finished(result, context, policy)
    return replace(deleted, finalizer=False), problem


async def release_held(
    ledger: Ledger, hooks: Hooks, context: SyncContext, *, finished_only: bool
) -> None:
    """Release every hook ``ledger`` records as holding the finalizer (only those that
    finished, with ``finished_only``), recording each as it is done."""
    for result in ledger.results():
        if result.finalizer and (result.status.done or not finished_only):
            released, _ = await release(result, hooks.get(result.task_id), context)
            ledger.replace(released)


async def _delete_finished(
    result: ResourceResult, context: SyncContext, policy: DeletePolicy
) -> tuple[ResourceResult, str]:
    live = await fresh(context.cluster, result.key, result.api_version)
    try:
        if live is not None and (not result.uid or uid_of(live) == result.uid):
            await delete(context.cluster, result.key, live, "Background")
    except TransientError:
        raise
    except GitwardError as err:
        problem = f"it could not be deleted ({policy}): {err.problem}"
        return replace(result, status=TaskStatus.FAILED, message=f"{result.message}; {problem}"), (
            problem
        )
    return replace(result, message=f"{result.message}; deleted ({policy})"), ""
