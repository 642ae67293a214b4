"""One server per SQLite database: a lock file held for as long as the server runs.

SQLite has one writer and no leases, so two ``gitward server`` processes on one file would both
reconcile every app. The second one is refused at start with an error saying which process
holds the database and what to do instead (PostgreSQL, for replicas). The lock is an advisory
``flock`` on ``<database>.lock``, released by the kernel when the holder exits, however it
exits: a crashed server never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from gitward.errors import Location
from gitward.store.failures import StoreConfigError

__all__ = ["ServerLock"]


class ServerLock:
    """The lock of one SQLite database, held from :meth:`acquire` until :meth:`release`."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Hold the lock, or :class:`StoreConfigError` naming the process that holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise StoreConfigError(
                f"the database is in use by another gitward server{holder}",
                where=Location(file=str(self.path.with_suffix(""))),
                hint="SQLite serves one process: stop the other server, or run replicas on "
                "PostgreSQL (--database-url postgresql://user@host/db)",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _read(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode().strip())
        return f" (process {pid})"
    return ""
