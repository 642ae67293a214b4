"""Storing the statuses refreshes computed: those that finish together share one transaction.

Every refresh ends with a status write (at least ``reconciledAt`` changes). Written one by one,
a cycle of 1,000 apps is 1,000 transactions, each a commit (and an fsync on SQLite) that every
other write queues behind. Here a write that arrives while another transaction is committing
waits for the next one, and everything that waits goes in together: an idle controller writes at
once, a busy one in batches. Each caller still returns only once its own status is committed.
If a batch fails, its statuses are written again one transaction each, so that one status the
database refuses fails alone. A batch of one goes the batch's way too: its statement is compiled
once for every write, where a single write's is built for its app. It must not decide what a
status says.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gitward.store import AppStatus, RecordNotFoundError, Store

__all__ = ["StatusWriter"]


@dataclass(frozen=True, slots=True)
class _Write:
    app: str
    status: AppStatus
    done: asyncio.Future[bool]


class StatusWriter:
    """Writes app statuses to the store, batching the ones that arrive together."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting: list[_Write] = []
        self._writing: asyncio.Task[None] | None = None
        self.transactions = 0
        """Transactions committed (for tests and metrics)."""

    async def write(self, app: str, status: AppStatus) -> bool:
        """Store ``app``'s status; False when the app no longer exists."""
        loop = asyncio.get_running_loop()
        write = _Write(app, status, loop.create_future())
        self._waiting.append(write)
        if self._writing is None:
            self._writing = loop.create_task(self._write_all(), name="gitward-statuses")
        return await asyncio.shield(write.done)

    async def drain(self) -> None:
        """Return once every status handed over so far is written (or has failed)."""
        while (writing := self._writing) is not None:
            await asyncio.wait([writing])

    async def _write_all(self) -> None:
        batch: list[_Write] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                if not await self._together(batch):  # one statement, even for one app
                    for write in batch:
                        await self._alone(write)
        except BaseException:  # cancelled with the loop: no caller may wait forever
            for write in [*batch, *self._waiting]:
                write.done.cancel()
            self._waiting = []
            raise
        finally:
            self._writing = None

    async def _together(self, batch: list[_Write]) -> bool:
        """One transaction for the batch; False (nothing written) if it failed."""
        latest = {write.app: write.status for write in batch}  # in order: the last one wins
        try:
            versions = await self._store.apps.set_statuses(latest)
        except Exception:
            return False
        self.transactions += 1
        for write in batch:
            _settle(write, write.app in versions)  # not there: deleted meanwhile
        return True

    async def _alone(self, write: _Write) -> None:
        try:
            await self._store.apps.set_status(write.app, write.status)
        except RecordNotFoundError:
            _settle(write, False)
        except Exception as err:
            if not write.done.done():
                write.done.set_exception(err)
        else:
            self.transactions += 1
            _settle(write, True)


def _settle(write: _Write, exists: bool) -> None:
    if not write.done.done():
        write.done.set_result(exists)
