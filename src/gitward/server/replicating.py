"""How a server shares its database: alone on SQLite (a lock), as a replica on PostgreSQL.

A SQLite database serves one ``gitward server``: the second one is refused at start, before it
writes anything. On PostgreSQL any number of servers run side by side: each hears the others'
writes at once (:mod:`gitward.store.feed`); each one that reconciles takes a lease
(:mod:`gitward.controller.membership`) before its controller writes, reconciles only the apps it
owns, and gives the lease up after its controller stopped, so the others take its apps at once
instead of after the lease expires. A cluster or repository credentials written through another
replica's API are taken up here at once too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from gitward.controller.membership import Membership
from gitward.errors import GitwardError
from gitward.redaction import redact
from gitward.server.services import Services
from gitward.settings import ReplicaSettings
from gitward.store import Store
from gitward.store.changes import Change, Remote
from gitward.store.locking import ServerLock

__all__ = ["join", "lock_sqlite"]

log = logging.getLogger(__name__)


def lock_sqlite(stack: contextlib.AsyncExitStack, store: Store) -> None:
    """One server per SQLite database: a second one is refused here, before it writes."""
    path = store.database.sqlite_path
    if path is not None:
        lock = ServerLock(path)
        lock.acquire()
        stack.callback(lock.release)


async def join(
    stack: contextlib.AsyncExitStack,
    services: Services,
    settings: ReplicaSettings,
    sock: socket.socket,
    *,
    reconcile: bool,
) -> None:
    """On PostgreSQL, a server follows the other replicas' changes and, when it reconciles,
    becomes a replica (see the module docstring)."""
    if services.store.backend == "sqlite":
        return
    feed = services.store.database.follow()
    stack.callback(services.store.changes.subscribe(_SettingsFollower(services).heard))
    await feed.start()
    stack.push_async_callback(feed.stop)
    if not reconcile:
        return
    controller = services.controller
    membership = Membership(
        services.store, _address(sock), settings, on_change=controller.rebalance
    )
    await membership.start()
    controller.membership = membership
    stack.push_async_callback(membership.stop)


class _SettingsFollower:
    """Clusters and repository credentials written through another replica's API: this
    replica registers, replaces or forgets the cluster, and reads the credentials again."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._tasks: set[asyncio.Task[None]] = set()

    def heard(self, change: Change) -> None:
        if isinstance(change, Remote) and change.kind in ("cluster", "repo"):
            work = self._cluster(change.name) if change.kind == "cluster" else self._repos()
            task = asyncio.get_running_loop().create_task(work)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _cluster(self, server: str) -> None:
        registrations = self._services.clusters
        try:
            record = await self._services.store.clusters.get(server)
            if record is None:
                await registrations.forget(server)
            else:
                await registrations.register(record)
        except GitwardError as err:
            log.warning(
                "the cluster %s written elsewhere is not used: %s", server, redact(err.message)
            )

    async def _repos(self) -> None:
        try:
            await self._services.repo_credentials.reload(self._services.store)
        except GitwardError as err:
            log.warning("repository credentials written elsewhere: %s", redact(err.message))


def _address(sock: socket.socket) -> str:
    """Where this replica listens, as the other replicas (and operators) see it."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
        host = socket.gethostname()
    return f"{host}:{port}"
