"""Fencing: a replica writes what its controller did only while it holds its lease.

Several ``gitward server`` processes on one PostgreSQL database divide the apps among
themselves by rendezvous hashing on the app's name (:func:`owner`): each app goes to the live
replica whose hash of (app, replica) is highest, so a replica joining or leaving moves only the
apps it takes or had. A replica's lease (a row in ``replicas``, renewed by heartbeats) carries
an epoch drawn once per join and never reused: the fencing token.

A write made under a :class:`Fence` (an operation step, a status) first reads the live replicas
in its own transaction, locking their rows against removal (``FOR KEY SHARE``: a leave or a
reap waits for the write to commit, a heartbeat renewing a lease does not), and refuses with
:class:`FencedError` unless the writer's lease is live with its epoch and, for one app, the
writer is that app's owner under the membership the database holds at that moment. A replica
that lost its lease (killed, cut off, paused past expiry) therefore writes nothing more; it must
join again with a new epoch. Without a fence (SQLite, one process) nothing is checked.

It must not decide what is written, only whether this writer may write it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.errors import Location, TransientError
from gitward.store.failures import StoreError
from gitward.store.tables import ReplicaRow, table_of

__all__ = ["Fence", "FencedError", "Fencing", "check", "live_epochs", "owner", "score"]


class FencedError(StoreError, TransientError):
    """This replica may not write this: its lease is gone, or the app is another replica's."""


@dataclass(frozen=True, slots=True)
class Fence:
    """Who writes: a replica's id and the epoch of the lease it holds."""

    replica: str
    epoch: int


class Fencing:
    """The fence this process's controller writes under (None: one process, nothing checked)."""

    def __init__(self) -> None:
        self.fence: Fence | None = None


def score(app: str, replica: str) -> str:
    """The rendezvous score of ``replica`` for ``app`` (highest wins)."""
    return hashlib.sha256(f"{app}\n{replica}".encode()).hexdigest()


def owner(app: str, replicas: Iterable[str]) -> str | None:
    """The replica that owns ``app`` among ``replicas`` (None when there is none)."""
    return max(replicas, key=lambda replica: score(app, replica), default=None)


_REPLICAS = table_of(ReplicaRow)
# A Core statement, built once: it runs in every fenced write (about three per synced app), and
# the ORM's handling of a statement over mapped columns cost more than the query itself. KEY
# SHARE, the weakest row lock, is enough to hold off a DELETE; FOR SHARE also made every
# heartbeat's UPDATE wait for each fenced write in flight, and the writes after it for that.
_LIVE = (
    sa.select(_REPLICAS.c.id, _REPLICAS.c.epoch)
    .where(_REPLICAS.c.expires_at > sa.bindparam("now"))
    .with_for_update(read=True, key_share=True)
)


async def live_epochs(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Every live replica's lease epoch, by replica id, rows locked against removal."""
    rows = (await session.execute(_LIVE, {"now": now})).all()
    return {str(row.id): int(row.epoch) for row in rows}


async def check(
    session: AsyncSession, fence: Fence, now: datetime, app: str | None = None
) -> Mapping[str, int]:
    """Refuse unless ``fence`` is a live lease (and, for ``app``, that app's owner); returns
    the live replicas' epochs as read."""
    live = await live_epochs(session, now)
    if live.get(fence.replica) != fence.epoch:
        raise FencedError(
            f"replica {fence.replica} lost its lease (epoch {fence.epoch}): it may not write",
            where=Location(obj=f"replica {fence.replica}"),
            hint="it rejoins with a new lease once the database answers again",
        )
    if app is not None and owner(app, live) != fence.replica:
        raise not_owner(app, fence)
    return live


def not_owner(app: str, fence: Fence) -> FencedError:
    return FencedError(
        f"Application {app} belongs to another replica now",
        where=Location(obj=f"Application {app}"),
        hint="its owner reconciles it; nothing to do here",
    )
