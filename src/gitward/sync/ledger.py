"""The results of one step while it runs: what was recorded before, plus what this step did.

A step records each outcome here the moment it has it, so that whatever stops the step (a
cluster that stops answering) the work done so far is in the state it returns. This module
must not talk to a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitward.sync.results import ResourceResult, ResultCode, SyncPhase, TaskStatus
from gitward.sync.tasks import Task

__all__ = ["Ledger", "Outcome"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running or checking a task found. ``status`` None puts the task back to pending
    (its old copy is gone: it can be created now). ``finalizer``: whether the object now carries
    the hook finalizer (None: as recorded before)."""

    status: TaskStatus | None
    code: ResultCode | None
    message: str
    uid: str = ""
    finalizer: bool | None = None


class Ledger:
    """Results by task, in the order they were first recorded."""

    def __init__(self, results: Iterable[ResourceResult]) -> None:
        self._by_id = {item.task_id: item for item in results}
        self._next = max((item.order for item in self._by_id.values()), default=0) + 1

    def get(self, task: Task) -> ResourceResult | None:
        return self._by_id.get(task.id)

    def status(self, task: Task) -> TaskStatus | None:
        found = self._by_id.get(task.id)
        return None if found is None else found.status

    def record(self, task: Task, outcome: Outcome) -> None:
        if outcome.status is None:
            self._by_id.pop(task.id, None)
            return
        previous = self._by_id.get(task.id)
        order = previous.order if previous is not None else self._take_order()
        code = outcome.code
        if code is None and previous is not None:
            code = previous.code
        self._by_id[task.id] = ResourceResult(
            key=task.key,
            phase=task.phase,
            wave=task.wave,
            status=outcome.status,
            code=code,
            message=outcome.message,
            hook=task.is_hook,
            api_version=task.api_version,
            uid=outcome.uid or (previous.uid if previous is not None else ""),
            order=order,
            finalizer=_finalizer(outcome, previous),
        )

    def replace(self, result: ResourceResult) -> None:
        """Record ``result`` in place of the one with its task id (kept in its order)."""
        self._by_id[result.task_id] = result

    def results(self) -> tuple[ResourceResult, ...]:
        return tuple(sorted(self._by_id.values(), key=lambda item: item.order))

    def by_phase(self, phase: SyncPhase) -> list[ResourceResult]:
        return [item for item in self.results() if item.phase is phase]

    def _take_order(self) -> int:
        order = self._next
        self._next += 1
        return order


def _finalizer(outcome: Outcome, previous: ResourceResult | None) -> bool:
    if outcome.finalizer is not None:
        return outcome.finalizer
    return previous.finalizer if previous is not None else False
