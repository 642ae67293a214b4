"""What every group of the store (apps, operations, ...) works through.

A group asks its :class:`Access` for a session to read or write in. On a store each request is its
own transaction; inside ``store.transaction()`` every request shares that one transaction
(:class:`Bound`), so several changes commit together or not at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.errors import Location
from gitward.store.failures import StaleWriteError
from gitward.store.fencing import Fencing
from gitward.store.sealing import Sealer

__all__ = ["Access", "Bound", "Context", "check_version", "flush_all", "flush_new"]


class Access(Protocol):
    def reading(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    def writing(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class Bound:
    """Every read and write on one session, inside a transaction someone else commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        yield self._session

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        yield self._session


@dataclass(frozen=True, slots=True)
class Context:
    """A group's seams: where it reads and writes, what time it is, how secrets are sealed,
    and the fence the controller's writes are checked against."""

    access: Access
    clock: Callable[[], datetime]
    sealer: Sealer
    fencing: Fencing


def check_version(current: int, expected: int | None, where: Location) -> None:
    """Refuse a write based on a read of another version (optimistic concurrency)."""
    if expected is not None and expected != current:
        raise StaleWriteError(
            f"the record is at version {current}, not {expected} as expected",
            where=where,
            hint="read it again and reapply the change",
        )


async def flush_new(session: AsyncSession, row: object, where: Location) -> None:
    """Insert ``row`` now; a concurrent insert of the same key is a stale write."""
    session.add(row)
    await flush_all(session, where)


async def flush_all(session: AsyncSession, where: Location) -> None:
    """Write pending rows now; a concurrent insert of the same key is a stale write."""
    try:
        async with session.begin_nested():
            await session.flush()
    except sa.exc.IntegrityError:
        raise StaleWriteError(
            "another writer created the same record at the same time",
            where=where,
            hint="read it again and reapply the change",
        ) from None
