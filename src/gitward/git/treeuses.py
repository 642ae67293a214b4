"""When each materialised tree was last used, and which ones a collection removes.

Every commit's tree (``<trees>/<sha>``) and part (``<trees>/parts/<sha>/<id>``) is kept while it
is in use or likely to be used again soon, and removed otherwise: a server whose repository gets
a commit per CI build would otherwise fill its disk (a whole tree of 10,000 app directories is
~157 MB). Flux's source-controller does the same with its artifacts (``--artifact-retention-ttl``,
default 1 minute, and ``--artifact-retention-records``, default 2); Argo CD's repo-server removes
its checkouts.

The rule: a tree (or part) not used for ``retention_s`` is removed, except those of the
``kept`` most recently used commits of each repository. A use is every checkout that returns
the tree, including one the controller remembered (``GitSide.checkout_at``), so the commits apps
compare against and sync are used at every refresh. The retention time is the guard against
removing a tree a render is reading: a render starts right after its checkout and takes
seconds, the retention minutes.

Replicas (or a ``gitward render`` next to a server) may share one cache directory, so a use is
also written to disk: the tree's directory mtime is touched, at most once per ``TOUCH_EVERY_S``
per tree, and a tree's last use is the later of this process's memory and that mtime. A tree
on disk that this process has not used counts as used when the process started. A tree is
removed by renaming it to ``.removing-*`` first (so no reader sees half a tree at its published
path) and then deleting that; one that vanished meanwhile (another process removed it) is
skipped. Nothing outside the trees directory is ever removed.

It must not run git.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TOUCH_EVERY_S", "TREES_KEPT", "TREE_RETENTION_S", "Collected", "TreeUses", "delete"]

TREE_RETENTION_S = 15 * 60.0
"""A tree or part not used for this long is removed (unless one of the ``TREES_KEPT``)."""

TREES_KEPT = 3
"""The most recently used commits of each repository whose trees are kept however old."""

TOUCH_EVERY_S = 60.0
"""A use is written to the tree's mtime at most this often (other processes read it)."""

_REMOVING = ".removing-"
_INCOMING = ".incoming-"
_UNKNOWN = ""  # the repository of a tree this process has not written or used


@dataclass(frozen=True, slots=True)
class Collected:
    """What one collection found and did: entries are trees and parts alike."""

    kept: int
    removed: int

    def describe(self) -> str:
        return f"trees: {self.removed} removed, {self.kept} kept"


@dataclass(slots=True)
class _Use:
    repository: str
    at: float
    written_at: float  # when ``at`` was last written to the directory's mtime


@dataclass(frozen=True, slots=True)
class _Entry:
    """A tree (``name`` is the SHA) or a part (``parts/<sha>/<id>``) found on disk."""

    name: str
    sha: str
    path: Path


class TreeUses:
    """The last use of each tree under ``directory``, and their collection."""

    def __init__(
        self,
        directory: Path,
        *,
        clock: Callable[[], float],
        retention_s: float = TREE_RETENTION_S,
        kept: int = TREES_KEPT,
    ) -> None:
        self._directory = directory
        self._clock = clock
        self._retention_s = retention_s
        self._kept = kept
        self._started = clock()
        self._uses: dict[str, _Use] = {}

    def used(self, path: Path, repository: str) -> None:
        """``path`` (a tree, a part, or a directory inside one) was used now."""
        name = self._name_of(path)
        if name is None:
            return
        now = self._clock()
        use = self._uses.get(name)
        if use is None:
            use = self._uses[name] = _Use(repository or _UNKNOWN, now, written_at=-TOUCH_EVERY_S)
        use.at = now
        use.repository = repository or use.repository
        if now - use.written_at >= TOUCH_EVERY_S:
            use.written_at = now
            with contextlib.suppress(OSError):  # removed by another process meanwhile
                os.utime(self._directory / name, (now, now))

    def count(self) -> int:
        """Trees and parts on disk now."""
        return sum(1 for _ in self._entries())

    def take_unused(self) -> tuple[list[Path], int]:
        """Rename every tree and part due for removal (and leftovers: ``.removing-*``, old
        ``.incoming-*``) out of its published place; the renamed directories to delete and
        the count of trees and parts kept. Synchronous: nothing may use a tree between the
        decision and the rename."""
        entries = list(self._entries())
        for gone in self._uses.keys() - {entry.name for entry in entries}:
            del self._uses[gone]  # removed by another process
        seen = {entry.name: self._seen_use(entry) for entry in entries}
        protected = self._most_recent_commits(entries, seen)
        now = self._clock()
        doomed = [
            entry
            for entry in entries
            if entry.sha not in protected
            and now - max(seen[entry.name], self._started) >= self._retention_s
        ]
        leftovers = self._leftovers(now)
        taken = [moved for entry in doomed if (moved := self._take(entry)) is not None]
        return [*leftovers, *taken], len(entries) - len(doomed)

    def _name_of(self, path: Path) -> str | None:
        try:
            parts = path.relative_to(self._directory).parts
        except ValueError:
            return None
        if parts[:1] == ("parts",):
            return "/".join(parts[:3]) if len(parts) >= 3 else None
        return parts[0] if parts and not parts[0].startswith(".") else None

    def _entries(self) -> Iterator[_Entry]:
        for child in _children(self._directory):
            if child.name == "parts":
                for commit in _children(child):
                    for part in _children(commit):
                        yield _Entry(f"parts/{commit.name}/{part.name}", commit.name, part)
            elif not child.name.startswith("."):
                yield _Entry(child.name, child.name, child)

    def _seen_use(self, entry: _Entry) -> float:
        """The last use this process made or another wrote to disk (a tree of a previous
        run counts as used at start on top of this, for the retention time only)."""
        use = self._uses.get(entry.name)
        try:
            on_disk = entry.path.stat().st_mtime
        except OSError:
            on_disk = self._started
        return max(use.at if use is not None else on_disk, on_disk)

    def _most_recent_commits(self, entries: list[_Entry], last: dict[str, float]) -> set[str]:
        """The ``kept`` most recently used commits of each repository."""
        commits: dict[str, tuple[float, str]] = {}  # sha -> (last use, repository)
        for entry in entries:
            use = self._uses.get(entry.name)
            repository = use.repository if use is not None else _UNKNOWN
            seen = commits.get(entry.sha, (float("-inf"), repository))
            commits[entry.sha] = (max(seen[0], last[entry.name]), seen[1] or repository)
        by_repository: dict[str, list[tuple[float, str]]] = {}
        for sha, (at, repository) in commits.items():
            by_repository.setdefault(repository, []).append((at, sha))
        return {
            sha
            for found in by_repository.values()
            for _, sha in sorted(found, reverse=True)[: self._kept]
        }

    def _take(self, entry: _Entry) -> Path | None:
        moved = self._directory / f"{_REMOVING}{uuid.uuid4().hex}"
        try:
            entry.path.rename(moved)
        except OSError:  # gone already: another process removed it
            return None
        self._uses.pop(entry.name, None)
        if entry.name.startswith("parts/"):
            with contextlib.suppress(OSError):  # not empty (another part), or gone
                entry.path.parent.rmdir()
        return moved

    def _leftovers(self, now: float) -> list[Path]:
        """Directories no one reads: ``.removing-*`` (a removal cut short) and ``.incoming-*``
        older than the retention time (a write cut short; a write takes at most git's
        timeout). Empty ``parts/<sha>`` directories are removed on the way."""
        found = []
        for commit in _children(self._directory / "parts"):
            with contextlib.suppress(OSError):  # holds parts (the usual case), or gone
                commit.rmdir()
        for child in _children(self._directory):
            if child.name.startswith(_REMOVING):
                found.append(child)
            elif child.name.startswith(_INCOMING):
                with contextlib.suppress(OSError):
                    if now - child.stat().st_mtime >= self._retention_s:
                        found.append(child)
        return found


def _children(directory: Path) -> list[Path]:
    """The subdirectories of ``directory`` (none when it is missing)."""
    try:
        with os.scandir(directory) as found:
            return [Path(entry.path) for entry in found if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def delete(directories: list[Path]) -> None:
    """Delete directories already renamed out of their published place (blocking; one cut
    short is a ``.removing-*`` leftover that the next collection deletes)."""
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)
