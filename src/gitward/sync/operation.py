"""The sync operation as a re-entrant step: ``step(state, context) -> state``.

Each call derives what is left from the recorded results and the live state, runs the lowest
``(stage, wave)`` still pending, records every outcome, and returns; when that group must become
healthy (or its hooks must finish) before the next may start, it returns with the operation
waiting, and the caller calls again later (at ``wake_at``, or sooner when the cluster changes).
The caller stores the state after every step, so a restart resumes where the last stored step
left off: a recorded task is never run again, and a task applied but not recorded is applied
again (server-side apply makes that harmless).

One attempt, in order: plan; dry-run everything once (a refusal fails the attempt before the
cluster changes); apply and prune group by group, waiting on health between groups; on a failure
run the SyncFail hooks, then fail. A failed attempt is retried with backoff while the request's
retry policy allows (``not_before`` says when). ``terminate`` stops an operation at its next
step: running hooks are deleted and nothing else starts. A cluster that does not answer pauses
the operation without failing it; the wave timeout still runs.

Hook objects carry the hook finalizer until their result is stored: every step first releases
the hooks whose end an earlier step recorded (:mod:`gitward.sync.finalizing`), a step that sees
a hook end asks to be called again at once, and an operation never ends (succeeded, failed,
retried, terminated) while one of its hooks still holds the finalizer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from gitward.errors import ConfigError, GitwardError, TransientError
from gitward.sync.applying import apply_task
from gitward.sync.calls import delete, error_text, fresh
from gitward.sync.checking import check
from gitward.sync.context import SyncContext
from gitward.sync.finalizing import Hooks, release, release_held, remove_finalizer
from gitward.sync.ledger import Ledger, Outcome
from gitward.sync.options import PruneMode
from gitward.sync.plan import Plan, plan_sync
from gitward.sync.pruning import prune_task
from gitward.sync.results import OperationPhase, ResourceResult, ResultCode, TaskStatus
from gitward.sync.retrying import next_attempt
from gitward.sync.running import run_batch, run_by_kind
from gitward.sync.state import SyncOperation, WaveMark
from gitward.sync.tasks import Stage, Task
from gitward.sync.validating import dry_run_task

__all__ = ["SyncOperation", "drive", "step"]

_LISTED = 5


async def step(state: SyncOperation, context: SyncContext) -> SyncOperation:
    """Advance ``state`` by what can be done now; returns the new state to store."""
    now = context.clock()
    if state.completed:
        return state
    if state.phase is OperationPhase.TERMINATING:
        return await _terminate(state, context, now)
    if state.not_before is not None and now < state.not_before:
        return state
    return await _Step(state, context, now).run()


async def drive(
    state: SyncOperation, context: SyncContext, *, within: float | None = None
) -> SyncOperation:
    """Step until the operation completes or waits for a person (a prune to confirm), sleeping
    until each ``wake_at``; for callers without a controller (CLI, demo, tests). Raises
    TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            state = await step(state, context)
            if state.completed or state.wake_at is None:
                return state
            delay = (state.wake_at - context.clock()).total_seconds()
            await asyncio.sleep(max(0.0, min(delay, context.poll_interval_s)))


class _Step:
    """One step's work on one attempt; produces the next state."""

    def __init__(self, state: SyncOperation, context: SyncContext, now: datetime) -> None:
        self.state = state
        self.context = context
        self.now = now
        self.ledger = Ledger(state.results)
        self.validated = state.validated
        self.failure = state.failure
        self.mark = state.mark
        self.hooks: Hooks = {}

    async def run(self) -> SyncOperation:
        try:
            return await self._attempt()
        except TransientError as err:
            retry_after = getattr(err, "retry_after", None) or 0.0
            wait = max(self.context.poll_interval_s, retry_after)
            return self._state(message=f"waiting for the cluster: {err.message}", wait=wait)

    async def _attempt(self) -> SyncOperation:
        try:
            plan = plan_sync(
                self.state.request,
                self.context,
                operation_id=self.state.id,
                recorded=self.state.results,
            )
        except ConfigError as err:
            # Without a plan no hook's delete policy is known: release the finalizers (every
            # result here was stored by an earlier step), so that the failure can end.
            await release_held(self.ledger, {}, self.context, finished_only=False)
            return await self._attempt_failed(err.message)
        self.hooks = {task.id: task.hook for task in plan.tasks if task.hook is not None}
        await release_held(self.ledger, self.hooks, self.context, finished_only=True)
        if not self.validated:
            stopped = await self._validate(plan)
            if stopped is not None:
                return stopped
        for skip in plan.skipped:
            if self.ledger.get(skip.task) is None:
                outcome = Outcome(TaskStatus.SUCCEEDED, ResultCode.PRUNE_SKIPPED, skip.message)
                self.ledger.record(skip.task, outcome)
        return await self._advance(plan)

    # -- the dry run ----------------------------------------------------------------------

    async def _validate(self, plan: Plan) -> SyncOperation | None:
        preview = Ledger(())
        await run_batch(
            plan.tasks,
            lambda task: dry_run_task(task, plan, self.context),
            preview,
            self.context.concurrency,
        )
        refused = [task for task in plan.tasks if preview.status(task) is TaskStatus.FAILED]
        for task in refused:
            found = preview.get(task)
            assert found is not None
            self.ledger.record(task, Outcome(TaskStatus.FAILED, ResultCode.FAILED, found.message))
        if refused:
            text = _listing(refused, self.ledger)
            return await self._attempt_failed(
                f"one or more objects failed to apply (dry run): {text}"
            )
        self.validated = True
        if not self.state.request.dry_run:
            return None
        for task in plan.tasks:
            found = preview.get(task)
            assert found is not None
            self.ledger.record(task, Outcome(found.status, found.code, found.message))
        for skip in plan.skipped:
            self.ledger.record(
                skip.task, Outcome(TaskStatus.SUCCEEDED, ResultCode.PRUNE_SKIPPED, skip.message)
            )
        return self._done(OperationPhase.SUCCEEDED, f"dry run, nothing changed: {self._summary()}")

    # -- groups ---------------------------------------------------------------------------

    async def _advance(self, plan: Plan) -> SyncOperation:
        normal = [t for t in plan.tasks if t.stage is not Stage.SYNC_FAIL]
        fail_hooks = [t for t in plan.tasks if t.stage is Stage.SYNC_FAIL]
        await self._check(fail_hooks if self.failure else normal)
        for _ in range(2 * len(plan.tasks) + 2):
            if not self.failure and (failed := self._with(normal, TaskStatus.FAILED)):
                self.failure = f"one or more tasks failed: {_listing(failed, self.ledger)}"
            active = fail_hooks if self.failure else normal
            group = self._current_group(active)
            if group is None:
                return await self._finished(fail_hooks)
            if await self._run_pending(group, normal, plan):
                continue
            if self._timed_out(group):
                self._time_out(group)
                continue
            return self._waiting(group)
        return self._waiting(self._current_group(fail_hooks if self.failure else normal) or [])

    async def _run_pending(self, group: list[Task], normal: list[Task], plan: Plan) -> bool:
        """Run the group's pending tasks; True when the step should look again at once (the
        group is done or something failed), False when it has to wait."""
        pending = [task for task in group if self.ledger.get(task) is None]
        if not pending:
            return False
        if self._unconfirmed(pending):
            return False
        self._enter(group[0])
        final = not self.failure and all(
            self._done_task(t) for t in normal if t.group > group[0].group
        )
        if group[0].stage.prunes:
            propagation = plan.options.prune_propagation
            await run_batch(
                pending,
                lambda task: prune_task(task, self.context, propagation),
                self.ledger,
                self.context.concurrency,
            )
        else:
            await run_by_kind(
                pending,
                lambda task: apply_task(task, self.context, final=final),
                self.ledger,
                self.context.concurrency,
            )
        return all(self._done_task(task) for task in group) or any(
            self.ledger.status(task) is TaskStatus.FAILED for task in group
        )

    async def _check(self, tasks: Sequence[Task]) -> None:
        active = [t for t in tasks if self.ledger.status(t) in _ACTIVE]

        async def one(task: Task) -> Outcome:
            found = self.ledger.get(task)
            assert found is not None
            return await check(task, found, self.context)

        await run_batch(active, one, self.ledger, self.context.concurrency)

    def _current_group(self, tasks: Sequence[Task]) -> list[Task] | None:
        for task in tasks:
            if not self._done_task(task):
                return [t for t in tasks if t.group == task.group]
        return None

    def _unconfirmed(self, pending: Sequence[Task]) -> list[Task]:
        if self.state.request.confirm_prune:
            return []
        return [t for t in pending if t.stage.prunes and t.options.prune is PruneMode.CONFIRM]

    def _enter(self, task: Task) -> None:
        stage, wave = task.group
        if self.mark is None or (self.mark.stage, self.mark.wave) != (stage, wave):
            self.mark = WaveMark(stage, wave, self.now)

    def _timed_out(self, group: Sequence[Task]) -> bool:
        stage, wave = group[0].group
        if self.mark is None or (self.mark.stage, self.mark.wave) != (stage, wave):
            return False
        limit = timedelta(seconds=self.state.request.wave_timeout_s)
        return self.now - self.mark.since > limit

    def _time_out(self, group: Sequence[Task]) -> None:
        timeout = f"timed out after {self.state.request.wave_timeout_s:g}s"
        for task in group:
            found = self.ledger.get(task)
            if found is not None and found.status in _ACTIVE:
                message = f"{found.message}; {timeout}" if found.message else timeout
                self.ledger.record(task, Outcome(TaskStatus.FAILED, None, message))

    # -- ends -----------------------------------------------------------------------------

    async def _finished(self, fail_hooks: Sequence[Task]) -> SyncOperation:
        held = await self._release_before_end()
        if held is not None:
            return held
        if not self.failure:
            return self._done(OperationPhase.SUCCEEDED, f"successfully synced: {self._summary()}")
        message = self.failure
        failed_hooks = self._with(fail_hooks, TaskStatus.FAILED)
        if failed_hooks:
            message += f"; SyncFail hooks failed: {_listing(failed_hooks, self.ledger)}"
        return await self._attempt_failed(message)

    async def _release_before_end(self) -> SyncOperation | None:
        """Hooks of this attempt must not keep their finalizer past its end. Those that ended
        in this step are released in the next, once their results are stored (a waiting
        state, to be called again at once, is returned); those still running are released
        now."""
        ended = _ended_holding(self.ledger)
        if ended:
            names = f"{ended[0].key}" + (f" and {len(ended) - 1} more" if len(ended) > 1 else "")
            return self._state(message=f"removing the hook finalizer from {names}", wait=0.0)
        await release_held(self.ledger, self.hooks, self.context, finished_only=False)
        return None

    async def _attempt_failed(self, message: str) -> SyncOperation:
        held = await self._release_before_end()
        if held is not None:
            return held
        state = self.state
        retry = state.request.retry
        if retry is None or state.request.dry_run:
            return self._done(OperationPhase.FAILED, message)
        if 0 <= retry.limit <= state.retry_count:
            return self._done(OperationPhase.FAILED, message)
        at = next_attempt(self.now, retry.backoff, state.retry_count)
        return SyncOperation(
            id=state.id,
            request=state.request,
            started_at=state.started_at,
            message=f"retrying (attempt {state.retry_count + 2}) at {at.isoformat()}: {message}",
            retry_count=state.retry_count + 1,
            wake_at=at,
            not_before=at,
        )

    def _done(self, phase: OperationPhase, message: str) -> SyncOperation:
        return replace(
            self._state(message=message, wait=None),
            phase=phase,
            finished_at=self.now,
        )

    def _waiting(self, group: Sequence[Task]) -> SyncOperation:
        unfinished = [t for t in group if not self._done_task(t)]
        if self._unconfirmed([t for t in unfinished if self.ledger.get(t) is None]):
            text = f"waiting for pruning confirmation of {_names(unfinished, 'resources')}"
            return self._state(message=text, wait=None)
        deleting = [t for t in unfinished if self.ledger.status(t) is TaskStatus.DELETING]
        hooks = [t for t in unfinished if t.is_hook]
        if deleting:
            text = f"waiting for deletion of {_names(deleting, 'resources')}"
        elif hooks:
            text = f"waiting for completion of hook {_names(hooks, 'hooks')}"
        else:
            text = f"waiting for healthy state of {_names(unfinished, 'resources')}"
        wait = 0.0 if _ended_holding(self.ledger) else self.context.poll_interval_s
        return self._state(message=text, wait=wait)

    def _state(self, *, message: str, wait: float | None) -> SyncOperation:
        return replace(
            self.state,
            phase=OperationPhase.RUNNING,
            message=message,
            results=self.ledger.results(),
            wake_at=None if wait is None else self.now + timedelta(seconds=wait),
            not_before=None,
            validated=self.validated,
            failure=self.failure,
            mark=self.mark,
        )

    # -- reading the ledger -----------------------------------------------------------------

    def _done_task(self, task: Task) -> bool:
        status = self.ledger.status(task)
        return status is not None and status.done

    def _with(self, tasks: Sequence[Task], status: TaskStatus) -> list[Task]:
        return [task for task in tasks if self.ledger.status(task) is status]

    def _summary(self) -> str:
        counts = Counter(r.code.value for r in self.ledger.results() if r.code is not None)
        return ", ".join(f"{n} {code}" for code, n in sorted(counts.items())) or "nothing to do"


_ACTIVE = (TaskStatus.RUNNING, TaskStatus.DELETING)


def _ended_holding(ledger: Ledger) -> list[ResourceResult]:
    """Hooks recorded as ended whose objects still hold the hook finalizer."""
    return [r for r in ledger.results() if r.finalizer and r.status.done]


def _names(tasks: Sequence[Task], what: str) -> str:
    if not tasks:
        return what
    more = len(tasks) - 1
    return f"{tasks[0].key}" + (f" and {more} more {what}" if more else "")


def _listing(tasks: Sequence[Task], ledger: Ledger) -> str:
    parts = []
    for task in tasks[:_LISTED]:
        found = ledger.get(task)
        parts.append(f"{task.key}: {found.message if found else 'failed'}")
    if len(tasks) > _LISTED:
        parts.append(f"and {len(tasks) - _LISTED} more")
    return "; ".join(parts)


async def _terminate(state: SyncOperation, context: SyncContext, now: datetime) -> SyncOperation:
    """Delete the hooks still running and release every hook that holds the finalizer, then
    fail the operation as terminated."""
    ledger = Ledger(state.results)
    try:
        plan: Plan | None = plan_sync(
            state.request, context, operation_id=state.id, recorded=state.results
        )
    except ConfigError:
        plan = None
    tasks = plan.tasks if plan else ()
    hooks = {task.id: task.hook for task in tasks if task.hook is not None}
    problems: list[str] = []
    running = [t for t in tasks if t.is_hook and ledger.status(t) in _ACTIVE]
    try:
        for task in running:
            found = ledger.get(task)
            problem = await _stop_hook(task, found.uid if found else "", context)
            outcome = Outcome(TaskStatus.FAILED, None, problem or "terminated", finalizer=False)
            ledger.record(task, outcome)
            if problem:
                problems.append(f"{task.key}: {problem}")
        problems.extend(await _release_all(ledger, hooks, context))
    except TransientError as err:
        wake = now + timedelta(seconds=context.poll_interval_s)
        return replace(state, results=ledger.results(), message=err.message, wake_at=wake)
    phase = OperationPhase.ERROR if problems else OperationPhase.FAILED
    message = "Operation terminated"
    if problems:
        message = f"Operation termination had errors: {'; '.join(problems)}"
    return replace(
        state,
        phase=phase,
        message=message,
        results=ledger.results(),
        finished_at=now,
        wake_at=None,
        not_before=None,
    )


async def _release_all(ledger: Ledger, hooks: Hooks, context: SyncContext) -> list[str]:
    """Release every hook still holding the finalizer; what went wrong, by hook."""
    problems = []
    for result in ledger.results():
        if result.finalizer:
            released, problem = await release(result, hooks.get(result.task_id), context)
            ledger.replace(released)
            if problem:
                problems.append(f"{result.key}: {problem}")
    return problems


async def _stop_hook(task: Task, uid: str, context: SyncContext) -> str:
    """Remove a running hook's finalizer and delete its object; ``""`` when done, else why it
    could not be."""
    try:
        await remove_finalizer(context.cluster, task.key, task.api_version, uid)
        live = await fresh(context.cluster, task.key, task.api_version)
        if live is not None:
            await delete(context.cluster, task.key, live, "Background")
    except TransientError:
        raise
    except GitwardError as err:
        return f"could not be deleted: {error_text(err, task)}"
    return ""
