"""Reload the settings file and the RBAC file when they change, as Argo CD watches its ConfigMaps.

Each file is looked at every ``interval_s`` seconds (a ``stat``: inode, size and modification
time, so an editor's rename-over and a ConfigMap volume's symlink swap are both seen); when one
changed it is read and applied whole. A file that fails to read or parse changes nothing: the
last good settings stay in force, and the error, naming the file, the object and the key, is
logged (and shown by ``GET /api/v1/settings`` as ``settingsError``/``rbacError``) until a good
version arrives. A file that disappears is treated the same way. Start-up is stricter: a bad
file there stops the server, since there are no good settings to keep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from gitward.errors import GitwardError
from gitward.redaction import redact

__all__ = ["FileStamp", "Reloadable", "Watcher", "stamp_of"]

log = logging.getLogger(__name__)

FileStamp = tuple[int, int, int, int] | None
"""A file's (device, inode, size, mtime in ns) as last seen through its path; None: missing."""


def stamp_of(path: Path) -> FileStamp:
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


@dataclass
class Reloadable:
    """One watched file and what to do with its new content."""

    path: Path
    reload: Callable[[Path], Awaitable[None]]
    """Reads and applies the file; raises ``GitwardError`` (or ``OSError``) to keep the last
    good version."""
    report: Callable[[str | None], None]
    """Told the error of the last reload (None once it succeeded)."""
    stamp: FileStamp = None


class Watcher:
    """Polls :class:`Reloadable` files until cancelled."""

    def __init__(self, files: list[Reloadable], *, interval_s: float = 2.0) -> None:
        self.files = files
        self.interval_s = max(0.05, interval_s)
        self.reloads = 0
        """Reload attempts so far (tests wait on it)."""

    def mark_loaded(self) -> None:
        """The files as they are now were loaded (at start)."""
        for item in self.files:
            item.stamp = stamp_of(item.path)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.check()

    async def check(self) -> None:
        """Reload each file whose stamp changed since it was last seen."""
        for item in self.files:
            stamp = stamp_of(item.path)
            if stamp == item.stamp:
                continue
            item.stamp = stamp
            await self._reload(item)

    async def _reload(self, item: Reloadable) -> None:
        self.reloads += 1
        try:
            if not item.path.exists():
                raise FileNotFoundError(f"{item.path} is gone")
            await item.reload(item.path)
        except (GitwardError, OSError) as err:
            text = err.message if isinstance(err, GitwardError) else f"{item.path}: {err}"
            message = f"{text} (the last good version stays in force)"
            log.error("reloading %s failed: %s", item.path, redact(message))
            item.report(redact(message))
            return
        log.info("reloaded %s", item.path)
        item.report(None)
