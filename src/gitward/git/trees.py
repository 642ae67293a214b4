"""Materialised commits: the files of one commit, written once and shared by every Application.

A commit's tree is written to ``<cache>/trees/<sha>`` by git itself (``read-tree -u`` from the
mirror into an empty directory, with a throwaway index), so symlinks stay symlinks for
``gitward.git.paths`` to judge and git's own checks on tree entries (``..``, ``.git``) apply. The
files are written into a ``.incoming-*`` directory first and renamed into place: a tree that
exists is always complete, and a crash leaves only an ``.incoming-*`` directory that no one reads.

This module must not fetch: the commit has to be in the mirror already.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path

from gitward.errors import Location
from gitward.git.commands import Git

__all__ = ["Trees"]


class Trees:
    """The materialised commits under one cache directory."""

    def __init__(self, directory: Path, git: Git) -> None:
        self._directory = directory
        self._git = git
        self._locks: dict[str, asyncio.Lock] = {}

    def path_for(self, sha: str) -> Path:
        """Where the files of commit ``sha`` are (or will be) written."""
        return self._directory / sha

    async def materialise(
        self, mirror: Path, sha: str, *, url: str = "", where: Location | None = None
    ) -> Path:
        """The directory holding commit ``sha``'s files, written now unless it already exists."""
        target = self.path_for(sha)
        if target.is_dir():
            return target
        async with self._locks.setdefault(sha, asyncio.Lock()):
            if not target.is_dir():
                await self._write(mirror, sha, target, url=url, where=where)
        return target

    async def _write(
        self, mirror: Path, sha: str, target: Path, *, url: str, where: Location | None
    ) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        incoming = self._directory / f".incoming-{sha}-{token}"
        index = self._directory / f".incoming-{token}.index"
        incoming.mkdir()
        try:
            await self._git.call(
                [
                    f"--git-dir={mirror}",
                    f"--work-tree={incoming}",
                    "read-tree",
                    "--reset",
                    "-u",
                    "--end-of-options",
                    sha,
                ],
                env={"GIT_INDEX_FILE": str(index)},
                url=url,
                where=where,
            )
            _publish(incoming, target)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
            index.unlink(missing_ok=True)


def _publish(incoming: Path, target: Path) -> None:
    """Rename the finished tree into place; another process may have been quicker."""
    try:
        incoming.rename(target)
    except OSError:
        if not target.is_dir():
            raise
