"""Operations: the persisted state of an app's re-entrant sync step.

An operation starts Running, records its step state after every step (``save_step``), may be asked
to terminate (phase Terminating, ``terminate`` set) and ends in Succeeded, Failed or Error. The
database itself keeps at most one live (Running or Terminating) operation per app, through a
partial unique index, so two controllers cannot both start one. After a crash, ``running()``
lists the live operations to resume, each with the last state it saved. The newest finished
operations of an app are kept (``KEEP_FINISHED``); older ones are dropped when one finishes.

Every automated sync starts, steps and finishes an operation, so these are Core statements on
the table (no ORM row is loaded or flushed): a start is a lock on the app's row, a look for a
live operation and an insert; a step or an end is one conditional ``UPDATE ... RETURNING`` (the
row is read only to say why it matched nothing) and an end trims older operations in one
``DELETE``.

With replicas (the store's ``fencing`` holds a fence), a step is claimed before it applies
anything (:meth:`Operations.claim`: the claimant must hold a live lease and own the app, and no
other live replica may hold the claim), and its result is stored only by the claimant, which
gives the claim back in the same write (:mod:`gitward.store.fencing`). A claim left by a replica
whose lease is gone is taken over: the new owner resumes from the last stored step.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gitward.errors import Location
from gitward.store.access import Context
from gitward.store.changes import OperationWritten, note
from gitward.store.failures import OperationRunningError, RecordNotFoundError, StoreError
from gitward.store.fencing import Fence, FencedError, check
from gitward.store.records import LIVE_PHASES, Json, OperationPhase, OperationRecord
from gitward.store.tables import AppRow, OperationRow, table_of
from gitward.store.values import json_value

__all__ = ["KEEP_FINISHED", "Operations", "StepClaimedError"]

KEEP_FINISHED = 5

_OPS = table_of(OperationRow)
_C = _OPS.c
_FIELDS = tuple(field.name for field in dataclasses.fields(OperationRecord))
"""An operation's record and its row share their names (``claimed_by`` is the row's alone)."""
_RECORD = tuple(_C[name] for name in _FIELDS)
_IS_LIVE = _C.phase.in_(LIVE_PHASES)
_LOCK_APP = (
    sa.select(table_of(AppRow).c.name)
    .where(table_of(AppRow).c.name == sa.bindparam("app_name"))
    .with_for_update()
)
_LIVE_OF = sa.select(_C.id, _C.requested_by).where(_C.app == sa.bindparam("app_name"), _IS_LIVE)
_INSERT = sa.insert(_OPS)
_ROW = sa.select(*_RECORD, _C.claimed_by).where(_C.id == sa.bindparam("op_id"))
_TRIM = sa.delete(_OPS).where(
    _C.app == sa.bindparam("app_name"),
    _C.phase.not_in(LIVE_PHASES),
    _C.id.not_in(
        sa.select(_C.id)
        .where(_C.app == sa.bindparam("app_name"), _C.phase.not_in(LIVE_PHASES))
        .order_by(_C.finished_at.desc(), _C.id)
        .limit(KEEP_FINISHED)
        .scalar_subquery()
    ),
)
"""Drops the app's finished operations past the newest ``KEEP_FINISHED``, in one statement."""


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
        record = OperationRecord(
            id=str(uuid.uuid4()),
            app=app,
            phase=OperationPhase.RUNNING,
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
            connection = await session.connection()
            if (await connection.execute(_LOCK_APP, {"app_name": app})).first() is None:
                raise RecordNotFoundError(
                    "no such application", where=where, hint="upsert the app first"
                )
            running = (await connection.execute(_LIVE_OF, {"app_name": app})).first()
            if running is not None:
                raise _running_error(where, running.id, running.requested_by)
            try:  # a concurrent start: the partial unique index refuses the second (the
                # raise rolls the whole transaction back, so no savepoint is needed)
                await connection.execute(_INSERT, _insert_values(record))
            except sa.exc.IntegrityError:
                raise _running_error(where) from None
            note(session, OperationWritten(record))
            return record

    async def save_step(
        self, operation_id: str, state: Mapping[str, Json], *, message: str | None = None
    ) -> OperationRecord:
        """Record the step state (and a progress message) of a live operation."""
        values: dict[str, object] = {"updated_at": self._clock()}
        values["state"] = json_value(dict(state), _where_id(operation_id).at("state"))
        if message is not None:
            values["message"] = message
        async with self._access.writing() as session:
            return await self._update_live(session, operation_id, values)

    async def terminate(self, app: str) -> OperationRecord | None:
        """Ask the app's live operation to stop; None when there is none."""
        update = (
            sa.update(_OPS)
            .where(_C.app == app, _IS_LIVE)
            .values(
                terminate=True,
                phase=OperationPhase.TERMINATING.value,
                updated_at=self._clock(),
            )
            .returning(*_RECORD)
        )
        async with self._access.writing() as session:
            connection = await session.connection()
            row = (await connection.execute(update)).first()
            if row is None:
                return None
            record = operation_record(row)
            note(session, OperationWritten(record))
            return record

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
        now = self._clock()
        values: dict[str, object] = {
            "phase": OperationPhase(phase).value,
            "message": message,
            "updated_at": now,
            "finished_at": now,
        }
        if state is not None:
            values["state"] = json_value(dict(state), _where_id(operation_id).at("state"))
        async with self._access.writing() as session:
            record = await self._update_live(session, operation_id, values)
            connection = await session.connection()
            await connection.execute(_TRIM, {"app_name": record.app})
            return record

    async def claim(self, operation_id: str) -> OperationRecord:
        """Claim the operation's next step for this replica (nothing to do without a fence):
        :class:`FencedError` unless this replica holds a live lease and owns the app, and
        :class:`StepClaimedError` while another live replica applies a step of it."""
        fence = self._fencing.fence
        if fence is None:
            found = await self.get(operation_id)
            if found is None:
                raise RecordNotFoundError("no such operation", where=_where_id(operation_id))
            return found
        async with self._access.writing() as session:
            connection = await session.connection()
            row = await _live_row(connection, operation_id, lock=True)
            live = await check(session, fence, self._clock(), row.app)
            if row.claimed_by not in (None, fence.epoch) and row.claimed_by in live.values():
                raise StepClaimedError(
                    "another replica is applying a step of this operation",
                    where=_where(row.app, row.id),
                    hint="its owner moved: this replica takes over once that step is stored",
                )
            claim = sa.update(_OPS).where(_C.id == operation_id).values(claimed_by=fence.epoch)
            await connection.execute(claim)
            return operation_record(row)

    async def release(self, operation_id: str) -> None:
        """Give back this replica's claim on a step it did not store (it failed)."""
        fence = self._fencing.fence
        if fence is None:
            return
        async with self._access.writing() as session:
            connection = await session.connection()
            await connection.execute(
                sa.update(_OPS)
                .where(_C.id == operation_id, _C.claimed_by == fence.epoch)
                .values(claimed_by=None)
            )

    async def _update_live(
        self, session: AsyncSession, operation_id: str, values: dict[str, object]
    ) -> OperationRecord:
        """Write ``values`` to the live operation in one statement; with a fence only while
        this replica's lease is live and it holds the step's claim, which the write gives back.
        When it matches nothing, the row is read to say why."""
        fence = self._fencing.fence
        update = sa.update(_OPS).where(_C.id == operation_id, _IS_LIVE)
        if fence is not None:
            await check(session, fence, self._clock())
            update = update.where(_C.claimed_by == fence.epoch)
            values = {**values, "claimed_by": None}
        connection = await session.connection()
        row = (await connection.execute(update.values(values).returning(*_RECORD))).first()
        if row is None:
            found = await _live_row(connection, operation_id, lock=False)
            raise _claim_lost(found.app, found.id, fence)
        record = operation_record(row)
        note(session, OperationWritten(record))
        return record

    async def get(self, operation_id: str) -> OperationRecord | None:
        return await self._one(sa.select(*_RECORD).where(_C.id == operation_id))

    async def current(self, app: str) -> OperationRecord | None:
        """The app's live operation, if it has one."""
        return await self._one(sa.select(*_RECORD).where(_C.app == app, _IS_LIVE))

    async def latest(self, app: str) -> OperationRecord | None:
        """The app's newest operation, live or finished (Argo CD's ``status.operationState``)."""
        query = (
            sa.select(*_RECORD)
            .where(_C.app == app)
            .order_by(
                sa.case((_IS_LIVE, 0), else_=1),
                _C.finished_at.desc(),
                _C.created_at.desc(),
            )
            .limit(1)
        )
        return await self._one(query)

    async def running(self) -> list[OperationRecord]:
        """Every live operation, oldest first: what to resume when the controller starts."""
        query = sa.select(*_RECORD).where(_IS_LIVE).order_by(_C.created_at, _C.id)
        async with self._access.reading() as session:
            connection = await session.connection()
            return [operation_record(row) for row in (await connection.execute(query)).all()]

    async def _one(self, query: sa.Select[Any]) -> OperationRecord | None:
        async with self._access.reading() as session:
            connection = await session.connection()
            row = (await connection.execute(query)).first()
            return None if row is None else operation_record(row)


class StepClaimedError(FencedError):
    """Another live replica is applying a step of this operation."""


def _claim_lost(app: str, operation_id: str, fence: Fence | None) -> StoreError:
    if fence is None:  # without a fence only a finished (or missing) row matches nothing
        return StoreError("the operation is not live", where=_where(app, operation_id))
    return FencedError(
        f"replica {fence.replica} no longer holds the claim on this operation's step",
        where=_where(app, operation_id),
        hint="another replica took the app over and resumes it from the last stored step",
    )


def _where(app: str, operation_id: str) -> Location:
    return Location(obj=f"Application {app}", field=f"operation {operation_id}")


def _where_id(operation_id: str) -> Location:
    return Location(obj=f"operation {operation_id}")


def _running_error(
    where: Location, running_id: str | None = None, requested_by: str = ""
) -> OperationRunningError:
    which = f" ({running_id}, requested by {requested_by})" if running_id else ""
    return OperationRunningError(
        f"another operation is already running{which}",
        where=where,
        hint="wait for it to finish, or terminate it",
    )


async def _live_row(connection: AsyncConnection, operation_id: str, *, lock: bool) -> Any:
    """The operation's row (with its claim), refused unless it exists and is live."""
    query = _ROW.with_for_update() if lock else _ROW
    row = (await connection.execute(query, {"op_id": operation_id})).first()
    where = _where_id(operation_id)
    if row is None:
        raise RecordNotFoundError("no such operation", where=where, hint="start one first")
    if row.phase not in LIVE_PHASES:
        raise StoreError(
            f"the operation already finished ({row.phase})",
            where=where,
            hint="start a new operation",
        )
    return row


def _insert_values(record: OperationRecord) -> dict[str, object]:
    values = {name: getattr(record, name) for name in _FIELDS}
    return {**values, "phase": record.phase.value}


def operation_record(row: Any) -> OperationRecord:
    """The record of a row read or returned with the columns of ``_RECORD``."""
    values = {name: getattr(row, name) for name in _FIELDS}
    phase, terminate = OperationPhase(row.phase), bool(row.terminate)
    return OperationRecord(**{**values, "phase": phase, "terminate": terminate})
