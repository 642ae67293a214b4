"""The store's files are its owner's alone: the data directory 0700, database files 0600.

The database holds sessions, audit records and (sealed) credentials, so nobody else on the
machine may read it, whatever the umask. A directory or file the store creates is made with
these modes from the start (never readable for a moment); a database file or a data directory
that exists already is tightened. ``secret.key`` has its own, stricter rule
(``gitward.store.sealing`` refuses a key file others can read).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = [
    "DIRECTORY_MODE",
    "FILE_MODE",
    "private_directory",
    "private_file",
    "sqlite_files",
    "tighten_directory",
]

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def private_directory(path: Path, *, tighten: bool = True) -> None:
    """Make ``path`` owner-only (missing parents get the usual modes); an existing one is
    tightened when ``tighten`` (gitward's data directory), else left as it is (the directory
    an operator chose for a SQLite file, which may be their home)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=DIRECTORY_MODE)
    except FileExistsError:
        if tighten:
            _tighten(path, DIRECTORY_MODE)


def tighten_directory(path: Path) -> None:
    """Make an existing directory owner-only; a missing one stays missing."""
    _tighten(path, DIRECTORY_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it is missing; tighten it if it exists."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    _tighten(path, FILE_MODE)


def sqlite_files(database: Path) -> list[Path]:
    """The database file and the journal, WAL and shared-memory files beside it that exist."""
    return [
        candidate
        for suffix in _SQLITE_SUFFIXES
        if (candidate := database.with_name(database.name + suffix)).exists()
    ]


def _tighten(path: Path, mode: int) -> None:
    """Drop every permission ``mode`` does not give; a file of another owner is left alone."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        current = stat.S_IMODE(path.stat().st_mode)
        if current & ~mode:
            path.chmod(current & mode)
