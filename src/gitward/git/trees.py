"""Materialised commits: the files of one commit, written once and shared by every Application.

A commit's tree is written to ``<cache>/trees/<sha>`` by git itself (``read-tree -u`` from the
mirror into an empty directory, with a throwaway index), so symlinks stay symlinks for
``gitward.git.paths`` to judge and git's own checks on tree entries (``..``, ``.git``) apply. The
files are written into a ``.incoming-*`` directory first and renamed into place: a tree that
exists is always complete, and a crash leaves only an ``.incoming-*`` directory that no one reads.

Writing a whole tree costs one directory entry per file and directory of the commit: seconds for
a repository of 20,000 app directories, paid by the first app to ask after every commit. An app
that reads only its own directory can ask for a *part* instead: ``<cache>/trees/parts/<sha>/<id>``
holding only ``<path>`` of the commit (``read-tree --prefix``), written and published the same
way. A part is given only while the commit's whole tree is not written, to the first
``PARTS_PER_COMMIT`` paths of a commit (after that the whole tree is written once and shared, as
a full reconciliation cycle would otherwise write one part per app), and never for a directory
holding a symlink (it may point anywhere in the repository) or missing at the commit.

Trees and parts are removed when no longer used (``gitward.git.treeuses`` says which and when):
every checkout that returns one records its use, and :meth:`Trees.collect` removes the rest.

This module must not fetch: the commit has to be in the mirror already.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from gitward.errors import Location
from gitward.git.commands import Git
from gitward.git.treeuses import TREE_RETENTION_S, Collected, TreeUses, delete

__all__ = ["PARTS_PER_COMMIT", "Trees"]

PARTS_PER_COMMIT = 8
"""Paths of one commit written as parts before its whole tree is written instead."""

_COMMITS_COUNTED = 1024


class Trees:
    """The materialised commits under one cache directory."""

    def __init__(
        self,
        directory: Path,
        git: Git,
        *,
        clock: Callable[[], float] = time.time,
        retention_s: float = TREE_RETENTION_S,
    ) -> None:
        self._directory = directory
        self._git = git
        self._locks: dict[str, asyncio.Lock] = {}
        self._parts: OrderedDict[str, set[PurePosixPath]] = OrderedDict()
        self._uses = TreeUses(directory, clock=clock, retention_s=retention_s)

    def used(self, path: Path, url: str = "") -> None:
        """``path`` (a tree or part this returned, or a directory inside one) is used again
        (a checkout remembered by its caller): it is kept as if checked out now."""
        self._uses.used(path, url)

    def count(self) -> int:
        """Trees and parts on disk now (this process's and others')."""
        return self._uses.count()

    async def collect(self) -> Collected:
        """Remove the trees and parts not used lately (see ``gitward.git.treeuses``)."""
        taken, kept = self._uses.take_unused()
        for name in [name for name, lock in self._locks.items() if not lock.locked()]:
            del self._locks[name]
        for directory in taken:  # one at a time: a stop waits for one directory at most
            await asyncio.to_thread(delete, [directory])
        return Collected(kept=kept, removed=len(taken))

    def path_for(self, sha: str) -> Path:
        """Where the files of commit ``sha`` are (or will be) written."""
        return self._directory / sha

    def part_for(self, sha: str, path: PurePosixPath) -> Path:
        """Where the part of commit ``sha`` holding only ``path`` is (or will be) written."""
        digest = hashlib.sha256(path.as_posix().encode()).hexdigest()[:32]
        return self._directory / "parts" / sha / digest

    async def materialise(
        self, mirror: Path, sha: str, *, url: str = "", where: Location | None = None
    ) -> Path:
        """The directory holding commit ``sha``'s files, written now unless it already exists."""
        target = self.path_for(sha)
        if not target.is_dir():
            async with self._locks.setdefault(sha, asyncio.Lock()):
                if not target.is_dir():
                    await self._write(mirror, sha, target, url=url, where=where)
        self._uses.used(target, url)
        return target

    async def materialise_part(
        self, mirror: Path, sha: str, path: PurePosixPath, *, url: str = ""
    ) -> Path | None:
        """A directory holding only ``path`` of commit ``sha`` (at ``<it>/<path>``), or None
        when the whole tree is to be used: it is written already, enough parts of the commit
        were, or ``path`` is no directory of the commit or holds a symlink."""
        target = self.part_for(sha, path)
        if not target.is_dir():
            if self.path_for(sha).is_dir() or not self._count_part(sha, path):
                return None
            async with self._locks.setdefault(f"{sha}:{path}", asyncio.Lock()):
                written = target.is_dir() or await self._write_part(mirror, sha, path, target, url)
                if not written:
                    return None
        self._uses.used(target, url)
        return target

    def _count_part(self, sha: str, path: PurePosixPath) -> bool:
        """Whether ``path`` may be a part of ``sha`` (one of its first ``PARTS_PER_COMMIT``)."""
        paths = self._parts.setdefault(sha, set())
        self._parts.move_to_end(sha)
        while len(self._parts) > _COMMITS_COUNTED:
            self._parts.popitem(last=False)
        if path not in paths and len(paths) >= PARTS_PER_COMMIT:
            return False
        paths.add(path)
        return True

    async def _write(
        self, mirror: Path, sha: str, target: Path, *, url: str, where: Location | None
    ) -> None:
        with _incoming(self._directory, sha) as (incoming, index):
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

    async def _write_part(
        self, mirror: Path, sha: str, path: PurePosixPath, target: Path, url: str
    ) -> bool:
        """Write ``path`` of ``sha`` to ``target``; False (nothing written) when git cannot
        (no such directory) or the directory holds a symlink."""
        with _incoming(self._directory, "part") as (incoming, index):
            written = await self._git.attempt(
                [
                    f"--git-dir={mirror}",
                    f"--work-tree={incoming}",
                    "read-tree",
                    f"--prefix={path.as_posix()}/",
                    "-u",
                    "--end-of-options",
                    f"{sha}:{path.as_posix()}",
                ],
                env={"GIT_INDEX_FILE": str(index)},
                url=url,
            )
            if not written.ok or not (incoming / path).is_dir() or _holds_symlink(incoming):
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            _publish(incoming, target)
            return True


@contextlib.contextmanager
def _incoming(directory: Path, name: str) -> Iterator[tuple[Path, Path]]:
    """A fresh directory to write a tree into and its throwaway index, both gone afterwards
    (a published tree was renamed out of it first)."""
    directory.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    incoming = directory / f".incoming-{name}-{token}"
    index = directory / f".incoming-{token}.index"
    incoming.mkdir()
    try:
        yield incoming, index
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
        index.unlink(missing_ok=True)


def _holds_symlink(directory: Path) -> bool:
    for current, dirnames, filenames in os.walk(directory):
        for name in (*dirnames, *filenames):
            if Path(current, name).is_symlink():
                return True
    return False


def _publish(incoming: Path, target: Path, *, again: bool = True) -> None:
    """Rename the finished tree into place; another process may have been quicker, or have
    just removed the part's commit directory (``parts/<sha>``) as its last part went."""
    try:
        incoming.rename(target)
    except FileNotFoundError:
        if not again:
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        _publish(incoming, target, again=False)
    except OSError:
        if not target.is_dir():
            raise
