"""SQLite calls made on the event loop, except those that may wait: a connection for aiosqlite.

aiosqlite runs every call on the connection's own thread and wakes the event loop for each
answer. SQLAlchemy's adapter makes about four such calls per statement (cursor, execute, fetch,
close), so a one-statement transaction cost ~0.7 ms of CPU, ~20 times what the same work costs
without the hops (measured: ``SELECT 1`` through the async engine 0.27 ms of CPU, through a
plain sqlite3 connection under SQLAlchemy 0.014 ms). A controller that syncs an app writes
about fifteen statements for it, so the hops were a third of its CPU.

Most SQLite calls take microseconds and never wait: a read in WAL mode sees its snapshot without
a lock, and a write inside ``BEGIN IMMEDIATE`` already holds the database's write lock. Those run
here on the calling thread. The calls that can wait stay on the connection's thread, so that the
event loop never blocks on the disk or on another process: ``BEGIN`` (waits up to the busy
timeout for the write lock another process holds), ``COMMIT`` (an fsync with
``synchronous=FULL``, and a WAL checkpoint now and then), rollback and close. The connection is
never used by two threads at once: each call is awaited before the next is made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

__all__ = ["LoopConnection", "connect"]

_WAITING = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "COMMIT", "END", "ROLLBACK", "PRAGMA", "VACUUM")
"""Statements of a writing connection that may wait on a lock or the disk."""


class LoopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose quick calls run on the event loop's thread. A reading
    connection (``query_only``, in WAL mode) never waits but to close; a writing one waits to
    begin and to commit."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], *, writes: bool) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._writes = writes

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        if connection is None or self._may_wait(connection, fn, args):
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if not self._running:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def _may_wait(
        self, connection: sqlite3.Connection, fn: Callable[..., Any], args: tuple[Any, ...]
    ) -> bool:
        if fn == connection.close:
            return True
        if not self._writes:
            return False
        if fn in (connection.commit, connection.rollback):
            return connection.in_transaction  # else nothing to do (the pool's reset on return)
        return (
            bool(args)
            and isinstance(args[0], str)
            and args[0].lstrip().upper().startswith(_WAITING)
        )


def connect(database: Path | str, *, writes: bool) -> LoopConnection:
    """A connection to ``database`` (awaitable, as ``aiosqlite.connect``'s), usable from the
    event loop's thread as well as its own."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(str(database), check_same_thread=False)

    connection = LoopConnection(connector, writes=writes)
    connection._thread.daemon = True  # as SQLAlchemy's adapter sets it: exit never waits on it
    return connection
