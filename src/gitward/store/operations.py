"""Operations: the persisted state of an app's re-entrant sync step.

An operation starts Running, records its step state after every step (``save_step``), may be asked
to terminate (phase Terminating, ``terminate`` set) and ends in Succeeded, Failed or Error. The
database itself keeps at most one live (Running or Terminating) operation per app, through a
partial unique index, so two controllers cannot both start one. After a crash, ``running()``
lists the live operations to resume, each with the last state it saved. The newest finished
operations of an app are kept (``KEEP_FINISHED``); older ones are dropped when one finishes.

With replicas (the store's ``fencing`` holds a fence), a step is claimed before it applies
anything (:meth:`Operations.claim`: the claimant must hold a live lease and own the app, and no
other live replica may hold the claim), and its result is stored only by the claimant, which
gives the claim back in the same write (:mod:`gitward.store.fencing`). A claim left by a replica
whose lease is gone is taken over: the new owner resumes from the last stored step.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.errors import Location
from gitward.store.access import Context
from gitward.store.changes import OperationWritten, note
from gitward.store.failures import OperationRunningError, RecordNotFoundError, StoreError
from gitward.store.fencing import Fence, FencedError, check
from gitward.store.records import LIVE_PHASES, Json, OperationPhase, OperationRecord
from gitward.store.tables import AppRow, OperationRow
from gitward.store.values import json_value

__all__ = ["KEEP_FINISHED", "Operations", "StepClaimedError"]

KEEP_FINISHED = 5


class Operations:
    """``store.operations``: start, claim, save_step, release, terminate, finish, get, current,
    running."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock
        self._fencing = context.fencing

    async def start(
        self,
        app: str,
        *,
        request: Mapping[str, Json],
        requested_by: str,
        state: Mapping[str, Json] | None = None,
    ) -> OperationRecord:
        """Begin an operation; :class:`OperationRunningError` if the app already has one."""
        where = Location(obj=f"Application {app}", field="operation")
        now = self._clock()
        row = OperationRow(
            id=str(uuid.uuid4()),
            app=app,
            phase=OperationPhase.RUNNING.value,
            message="",
            request=json_value(dict(request), where.at("operation")),
            state=json_value(dict(state or {}), where.at("operation.state")),
            requested_by=requested_by,
            terminate=False,
            created_at=now,
            updated_at=now,
            finished_at=None,
        )
        async with self._access.writing() as session:
            if await session.get(AppRow, app, with_for_update=True) is None:
                raise RecordNotFoundError(
                    "no such application", where=where, hint="upsert the app first"
                )
            await _refuse_second(session, app, where)
            session.add(row)
            try:
                async with session.begin_nested():
                    await session.flush()
            except sa.exc.IntegrityError:
                raise _running_error(where, None) from None
            return _noted(session, row)

    async def save_step(
        self, operation_id: str, state: Mapping[str, Json], *, message: str | None = None
    ) -> OperationRecord:
        """Record the step state (and a progress message) of a live operation."""
        async with self._access.writing() as session:
            row = await _live(session, operation_id)
            await self._fenced(session, row)
            row.state = json_value(dict(state), _where(row).at("state"))
            if message is not None:
                row.message = message
            row.updated_at = self._clock()
            return _noted(session, row)

    async def terminate(self, app: str) -> OperationRecord | None:
        """Ask the app's live operation to stop; None when there is none."""
        async with self._access.writing() as session:
            row = await session.scalar(
                sa.select(OperationRow).where(_live_of(app)).with_for_update()
            )
            if row is None:
                return None
            row.terminate = True
            row.phase = OperationPhase.TERMINATING.value
            row.updated_at = self._clock()
            return _noted(session, row)

    async def finish(
        self,
        operation_id: str,
        phase: OperationPhase,
        *,
        message: str = "",
        state: Mapping[str, Json] | None = None,
    ) -> OperationRecord:
        """End a live operation in a completed phase, keeping its final state."""
        if not OperationPhase(phase).completed:
            raise StoreError(
                f"an operation cannot finish as {phase}",
                where=Location(obj=f"operation {operation_id}", field="phase"),
                hint="finish as Succeeded, Failed or Error",
            )
        async with self._access.writing() as session:
            row = await _live(session, operation_id)
            await self._fenced(session, row)
            if state is not None:
                row.state = json_value(dict(state), _where(row).at("state"))
            now = self._clock()
            row.phase, row.message = OperationPhase(phase).value, message
            row.updated_at = row.finished_at = now
            await session.flush()
            await _drop_old_finished(session, row.app)
            return _noted(session, row)

    async def claim(self, operation_id: str) -> OperationRecord:
        """Claim the operation's next step for this replica (nothing to do without a fence):
        :class:`FencedError` unless this replica holds a live lease and owns the app, and
        :class:`StepClaimedError` while another live replica applies a step of it."""
        fence = self._fencing.fence
        if fence is None:
            found = await self.get(operation_id)
            if found is None:
                raise RecordNotFoundError(
                    "no such operation", where=Location(obj=f"operation {operation_id}")
                )
            return found
        async with self._access.writing() as session:
            row = await _live(session, operation_id)
            live = await check(session, fence, self._clock(), row.app)
            if row.claimed_by not in (None, fence.epoch) and row.claimed_by in live.values():
                raise StepClaimedError(
                    "another replica is applying a step of this operation",
                    where=_where(row),
                    hint="its owner moved: this replica takes over once that step is stored",
                )
            row.claimed_by = fence.epoch
            return operation_record(row)

    async def release(self, operation_id: str) -> None:
        """Give back this replica's claim on a step it did not store (it failed)."""
        fence = self._fencing.fence
        if fence is None:
            return
        async with self._access.writing() as session:
            await session.execute(
                sa.update(OperationRow)
                .where(OperationRow.id == operation_id, OperationRow.claimed_by == fence.epoch)
                .values(claimed_by=None)
                .execution_options(synchronize_session=False)
            )

    async def _fenced(self, session: AsyncSession, row: OperationRow) -> None:
        """With a fence: refuse unless this replica's lease is live and it holds the step's
        claim; the claim is given back by the write."""
        fence = self._fencing.fence
        if fence is None:
            return
        await check(session, fence, self._clock())
        if row.claimed_by != fence.epoch:
            raise _claim_lost(row, fence)
        row.claimed_by = None

    async def get(self, operation_id: str) -> OperationRecord | None:
        async with self._access.reading() as session:
            row = await session.get(OperationRow, operation_id)
            return None if row is None else operation_record(row)

    async def current(self, app: str) -> OperationRecord | None:
        """The app's live operation, if it has one."""
        async with self._access.reading() as session:
            row = await session.scalar(sa.select(OperationRow).where(_live_of(app)))
            return None if row is None else operation_record(row)

    async def latest(self, app: str) -> OperationRecord | None:
        """The app's newest operation, live or finished (Argo CD's ``status.operationState``)."""
        query = (
            sa.select(OperationRow)
            .where(OperationRow.app == app)
            .order_by(
                sa.case((OperationRow.phase.in_(LIVE_PHASES), 0), else_=1),
                OperationRow.finished_at.desc(),
                OperationRow.created_at.desc(),
            )
            .limit(1)
        )
        async with self._access.reading() as session:
            row = await session.scalar(query)
            return None if row is None else operation_record(row)

    async def running(self) -> list[OperationRecord]:
        """Every live operation, oldest first: what to resume when the controller starts."""
        query = (
            sa.select(OperationRow)
            .where(OperationRow.phase.in_(LIVE_PHASES))
            .order_by(OperationRow.created_at, OperationRow.id)
        )
        async with self._access.reading() as session:
            return [operation_record(row) for row in (await session.scalars(query)).all()]


class StepClaimedError(FencedError):
    """Another live replica is applying a step of this operation."""


def _claim_lost(row: OperationRow, fence: Fence) -> FencedError:
    return FencedError(
        f"replica {fence.replica} no longer holds the claim on this operation's step",
        where=_where(row),
        hint="another replica took the app over and resumes it from the last stored step",
    )


def _where(row: OperationRow) -> Location:
    return Location(obj=f"Application {row.app}", field=f"operation {row.id}")


def _live_of(app: str) -> sa.ColumnElement[bool]:
    return sa.and_(OperationRow.app == app, OperationRow.phase.in_(LIVE_PHASES))


async def _refuse_second(session: AsyncSession, app: str, where: Location) -> None:
    running = await session.scalar(sa.select(OperationRow).where(_live_of(app)))
    if running is not None:
        raise _running_error(where, running)


def _running_error(where: Location, running: OperationRow | None) -> OperationRunningError:
    which = f" ({running.id}, requested by {running.requested_by})" if running else ""
    return OperationRunningError(
        f"another operation is already running{which}",
        where=where,
        hint="wait for it to finish, or terminate it",
    )


async def _live(session: AsyncSession, operation_id: str) -> OperationRow:
    row = await session.get(OperationRow, operation_id, with_for_update=True)
    where = Location(obj=f"operation {operation_id}")
    if row is None:
        raise RecordNotFoundError("no such operation", where=where, hint="start one first")
    if row.phase not in LIVE_PHASES:
        raise StoreError(
            f"the operation already finished ({row.phase})",
            where=where,
            hint="start a new operation",
        )
    return row


async def _drop_old_finished(session: AsyncSession, app: str) -> None:
    keep = (
        sa.select(OperationRow.id)
        .where(OperationRow.app == app, OperationRow.phase.not_in(LIVE_PHASES))
        .order_by(OperationRow.finished_at.desc(), OperationRow.id)
        .limit(KEEP_FINISHED)
    )
    kept = list((await session.scalars(keep)).all())
    await session.execute(
        sa.delete(OperationRow).where(
            OperationRow.app == app,
            OperationRow.phase.not_in(LIVE_PHASES),
            OperationRow.id.not_in(kept),
        )
    )


def _noted(session: AsyncSession, row: OperationRow) -> OperationRecord:
    record = operation_record(row)
    note(session, OperationWritten(record))
    return record


def operation_record(row: OperationRow) -> OperationRecord:
    return OperationRecord(
        id=row.id,
        app=row.app,
        phase=OperationPhase(row.phase),
        message=row.message,
        request=row.request,
        state=row.state,
        requested_by=row.requested_by,
        terminate=row.terminate,
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
    )
