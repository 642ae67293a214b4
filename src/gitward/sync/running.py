"""Running many tasks at once and recording each outcome as it comes.

Within a group, objects of one kind are applied together (a bounded number at a time) and kinds
follow one another in the plan's order, so that all ConfigMaps are in before the Deployments
that mount them; prunes of a group run together. A refusal by the API server becomes that
task's failed result; a cluster that does not answer (a transient error) stops the batch after
the others have been recorded, and the step tries again later.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence

from gitward.errors import GitwardError, TransientError
from gitward.sync.calls import error_text
from gitward.sync.ledger import Ledger, Outcome
from gitward.sync.results import ResultCode, TaskStatus
from gitward.sync.tasks import Task

__all__ = ["Work", "run_batch", "run_by_kind"]

Work = Callable[[Task], Awaitable[Outcome]]
"""What to do with one task (apply, prune, dry-run, check)."""


async def run_by_kind(tasks: Sequence[Task], work: Work, ledger: Ledger, limit: int) -> None:
    """Run ``tasks`` one kind after another (in their order), each kind's tasks at once."""
    for _, same_kind in itertools.groupby(tasks, key=lambda task: task.key.kind):
        await run_batch(list(same_kind), work, ledger, limit)


async def run_batch(tasks: Sequence[Task], work: Work, ledger: Ledger, limit: int) -> None:
    """Run ``tasks`` at once (at most ``limit`` at a time) and record every outcome.

    Raises the first transient error after recording everything else.
    """
    gate = asyncio.Semaphore(max(1, limit))

    async def one(task: Task) -> Outcome:
        async with gate:
            try:
                return await work(task)
            except TransientError:
                raise
            except GitwardError as err:
                return Outcome(TaskStatus.FAILED, ResultCode.FAILED, error_text(err, task))

    answers = await asyncio.gather(*(one(task) for task in tasks), return_exceptions=True)
    transient: TransientError | None = None
    for task, answer in zip(tasks, answers, strict=True):
        if isinstance(answer, TransientError):
            transient = transient or answer
        elif isinstance(answer, BaseException):
            raise answer
        else:
            ledger.record(task, answer)
    if transient is not None:
        raise transient
