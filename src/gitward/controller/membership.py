"""Membership: this replica's lease among the ``gitward server`` processes on one database.

With PostgreSQL, every server is a replica: it joins (a lease with a new epoch, the fencing
token the store checks on every controller write), renews its lease every ``heartbeat_s``, and
removes the rows of replicas whose lease expired. Each app belongs to one live replica, chosen
by rendezvous hashing on its name (:func:`gitward.store.fencing.owner`): when the set of live
replicas changes, ``on_change`` is called and the controller takes up the apps it gained. A
replica that cannot renew (the database is gone, or its lease expired meanwhile) is not ready,
says so once in the log, owns nothing and writes nothing until it has joined again with a new
epoch. With SQLite (one process) there is no membership: the controller owns every app.

It must not reconcile anything: the controller asks it who owns what.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable

from gitward.errors import GitwardError
from gitward.settings import ReplicaSettings
from gitward.store import Store
from gitward.store.fencing import Fence, owner

__all__ = ["Membership"]

log = logging.getLogger(__name__)


class Membership:
    """This replica's lease, the live replicas it last read, and who owns which app."""

    def __init__(
        self,
        store: Store,
        address: str,
        settings: ReplicaSettings | None = None,
        *,
        on_change: Callable[[], None] = lambda: None,
        replica_id: str | None = None,
    ) -> None:
        self.store = store
        self.address = address
        self.settings = settings or ReplicaSettings()
        self.id = replica_id or uuid.uuid4().hex[:16]
        self.on_change = on_change
        self.live: tuple[str, ...] = ()
        self.problem: str | None = "not joined yet"
        """Why this replica is not ready (None: it holds a live lease)."""
        self._renewed_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self.problem is None

    @property
    def fence(self) -> Fence | None:
        return self.store.fencing.fence

    def owns(self, app: str) -> bool:
        """Whether ``app`` is this replica's to reconcile (nothing is while it is not ready)."""
        return self.ready and owner(app, self.live) == self.id

    async def start(self) -> None:
        """Join (a failure here stops the start) and keep the lease in the background."""
        await self._join()
        self._task = asyncio.get_running_loop().create_task(self._beat(), name="gitward-lease")

    async def stop(self) -> None:
        """Stop renewing and give the lease up, so the others take the apps at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        fence, self.store.fencing.fence = self.fence, None
        if fence is not None:
            with contextlib.suppress(GitwardError):
                await self.store.replicas.leave(fence)

    async def _join(self) -> None:
        fence = await self.store.replicas.join(self.id, self.address, self.settings.lease_s)
        self.store.fencing.fence = fence
        self._renewed_at = time.monotonic()
        self.problem = None
        self.live = ()  # read again below: the apps owned are taken up anew
        log.info("replica %s joined with lease epoch %d", self.id, fence.epoch)
        await self._read_members()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_s)
            try:
                await self._renew()
            except GitwardError as err:
                self._unwell(f"the database does not answer ({err.message})")

    async def _renew(self) -> None:
        """Renew the lease (or, once it is gone, join again with a new epoch), remove expired
        replicas, and read who is live."""
        fence = self.fence
        if fence is not None and await self.store.replicas.renew(fence, self.settings.lease_s):
            self._renewed_at = time.monotonic()
            self.problem = None
        else:
            self._lost("its lease expired before it could renew it")
            await self._join()
        await self.store.replicas.reap()
        await self._read_members()

    def read_soon(self) -> None:
        """Read the live replicas again now (one joined or left), in the background."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.get_running_loop().create_task(self._read_again())

    async def _read_again(self) -> None:
        try:
            await self._read_members()
        except GitwardError as err:
            log.warning("replica %s could not read the replicas: %s", self.id, err.message)

    async def _read_members(self) -> None:
        live = tuple(sorted(replica.id for replica in await self.store.replicas.live()))
        if live != self.live:
            log.info("replicas: %s (this one: %s)", ", ".join(live), self.id)
            self.live = live
            self.on_change()

    def _unwell(self, why: str) -> None:
        """A renewal failed: past the lease, this replica gives its apps up."""
        if time.monotonic() - self._renewed_at >= self.settings.lease_s:
            self._lost(why)

    def _lost(self, why: str) -> None:
        if self.problem is None:
            log.error("replica %s stops writing: %s", self.id, why)
            self.problem = f"replica {self.id} lost its lease: {why}"
            self.on_change()
