"""Replicas: the ``gitward server`` processes sharing this database, each while its lease lasts.

A replica joins (a row with a new lease epoch, one more than any handed out before), renews its
lease by heartbeats, and leaves (its row removed); a replica that stops heartbeating is gone
once its lease expires, and :meth:`Replicas.reap` removes its row. Each of these changes is
noted (:class:`~gitward.store.changes.ReplicasChanged`), so the other replicas hear of it at once
through the change feed instead of at their next heartbeat. Times are the store's clock:
replicas' clocks must agree (NTP) to within a small part of the lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from gitward.store.access import Context
from gitward.store.changes import ReplicasChanged, note
from gitward.store.fencing import Fence
from gitward.store.tables import LeaseEpochRow, ReplicaRow

__all__ = ["ReplicaRecord", "Replicas"]

_SCOPE = "replicas"


@dataclass(frozen=True, slots=True)
class ReplicaRecord:
    """A replica as the database knows it."""

    id: str
    address: str
    epoch: int
    started_at: datetime
    heartbeat_at: datetime
    expires_at: datetime


class Replicas:
    """``store.replicas``: join, renew, leave, live, reap."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock

    async def join(self, replica: str, address: str, lease_s: float) -> Fence:
        """Take a lease with a new epoch; returns the fence to write under."""
        now = self._clock()
        async with self._access.writing() as session:
            counter = await session.get(LeaseEpochRow, _SCOPE, with_for_update=True)
            if counter is None:
                counter = LeaseEpochRow(scope=_SCOPE, epoch=0)
                session.add(counter)
            counter.epoch += 1
            await session.execute(sa.delete(ReplicaRow).where(ReplicaRow.id == replica))
            session.add(
                ReplicaRow(
                    id=replica,
                    address=address,
                    epoch=counter.epoch,
                    started_at=now,
                    heartbeat_at=now,
                    expires_at=now + timedelta(seconds=lease_s),
                )
            )
            await session.flush()
            note(session, ReplicasChanged())
            return Fence(replica, counter.epoch)

    async def renew(self, fence: Fence, lease_s: float) -> bool:
        """Extend a live lease; False when it had expired or was taken away (then it stays
        gone: the replica must join again)."""
        now = self._clock()
        update = (
            sa.update(ReplicaRow)
            .where(
                ReplicaRow.id == fence.replica,
                ReplicaRow.epoch == fence.epoch,
                ReplicaRow.expires_at > now,
            )
            .values(heartbeat_at=now, expires_at=now + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
        async with self._access.writing() as session:
            result = await session.execute(update)
            return bool(getattr(result, "rowcount", 0))

    async def leave(self, fence: Fence) -> None:
        """Give the lease up now (a clean stop): the others take the apps at once."""
        async with self._access.writing() as session:
            await session.execute(
                sa.delete(ReplicaRow).where(
                    ReplicaRow.id == fence.replica, ReplicaRow.epoch == fence.epoch
                )
            )
            note(session, ReplicasChanged())

    async def live(self) -> list[ReplicaRecord]:
        """The replicas whose lease has not expired, by id."""
        query = (
            sa.select(ReplicaRow)
            .where(ReplicaRow.expires_at > self._clock())
            .order_by(ReplicaRow.id)
        )
        async with self._access.reading() as session:
            return [_record(row) for row in (await session.scalars(query)).all()]

    async def reap(self) -> list[str]:
        """Remove the rows of expired leases; returns their replica ids."""
        now = self._clock()
        async with self._access.writing() as session:
            result = await session.execute(
                sa.delete(ReplicaRow).where(ReplicaRow.expires_at <= now).returning(ReplicaRow.id)
            )
            gone = sorted(result.scalars().all())
            if gone:
                note(session, ReplicasChanged())
            return gone


def _record(row: ReplicaRow) -> ReplicaRecord:
    return ReplicaRecord(
        id=row.id,
        address=row.address,
        epoch=row.epoch,
        started_at=row.started_at,
        heartbeat_at=row.heartbeat_at,
        expires_at=row.expires_at,
    )
