"""Chart archives kept on disk by digest, shared by every app, within a size bound.

A chart version is downloaded once: the archive is stored as ``archives/<sha256>.tgz`` and
expanded once into ``expanded/<sha256>/<chart>/``, where every app that uses it renders from.
When the archives outgrow ``max_bytes`` the least recently used ones (and their expansions) are
removed. An archive is checked before anything is written: at most ``max_archive_bytes``
compressed and ``max_expanded_bytes`` expanded, no entry with ``..``, an absolute path, a link,
a device or a name outside the chart's one top directory.

It must not fetch anything: it is handed the bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gitward.errors import Location, SourceError

__all__ = ["ArchiveCache", "ArchiveLimits"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on one chart archive and on the whole cache."""

    max_bytes: int = 2048 * _MIB
    max_archive_bytes: int = 64 * _MIB
    max_expanded_bytes: int = 256 * _MIB
    max_entries: int = 20_000


class ArchiveCache:
    """Archives by digest under ``directory``; safe to share between threads."""

    def __init__(self, directory: Path, limits: ArchiveLimits | None = None) -> None:
        self.directory = directory
        self.limits = limits or ArchiveLimits()
        self._lock = threading.Lock()
        self.stored = 0
        """Archives written (a second app asking for the same version writes none)."""

    def digest_of(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def has(self, digest: str) -> bool:
        return self._archive(digest).is_file()

    def path(self, digest: str) -> Path:
        """The stored archive of ``digest``."""
        return self._archive(digest)

    def store(self, data: bytes, *, shown: str, where: Location | None = None) -> str:
        """Check and keep ``data``; its digest. ``shown`` names the chart in errors."""
        if len(data) > self.limits.max_archive_bytes:
            raise _too_big(shown, f"{self.limits.max_archive_bytes} bytes compressed", where)
        digest = self.digest_of(data)
        _check_members(data, self.limits, shown, where)
        with self._lock:
            target = self._archive(digest)
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                _write_atomically(target, data)
                self.stored += 1
            self._evict(keep=digest)
        return digest

    def expanded(self, digest: str, *, shown: str, where: Location | None = None) -> Path:
        """The chart directory of a stored archive, expanded on first use."""
        with self._lock:
            archive = self._archive(digest)
            os.utime(archive)  # recently used
            home = self.directory / "expanded" / digest
            found = _chart_dir(home)
            if found is not None:
                return found
            data = archive.read_bytes()
            top = _check_members(data, self.limits, shown, where)
            _expand(data, home)
            return home / top

    def _archive(self, digest: str) -> Path:
        return self.directory / "archives" / f"{digest}.tgz"

    def _evict(self, *, keep: str) -> None:
        archives = sorted(
            (self.directory / "archives").glob("*.tgz"), key=lambda p: p.stat().st_mtime
        )
        total = sum(path.stat().st_size for path in archives)
        for path in archives:
            if total <= self.limits.max_bytes:
                break
            if path.stem == keep:
                continue
            total -= path.stat().st_size
            path.unlink(missing_ok=True)
            shutil.rmtree(self.directory / "expanded" / path.stem, ignore_errors=True)


def _chart_dir(home: Path) -> Path | None:
    if not home.is_dir():
        return None
    found = [entry for entry in home.iterdir() if (entry / "Chart.yaml").is_file()]
    return found[0] if len(found) == 1 else None


def _write_atomically(target: Path, data: bytes) -> None:
    handle, scratch = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    Path(scratch).replace(target)


def _expand(data: bytes, home: Path) -> None:
    home.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=home.parent, prefix=".part-"))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        archive.extractall(scratch, filter="data")
    shutil.rmtree(home, ignore_errors=True)
    scratch.replace(home)


def _check_members(data: bytes, limits: ArchiveLimits, shown: str, where: Location | None) -> str:
    """The chart's top directory; raises on anything unsafe or too big."""
    tops: set[str] = set()
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for count, member in enumerate(archive, start=1):
                if count > limits.max_entries:
                    raise _too_big(shown, f"{limits.max_entries} entries", where)
                tops.add(_checked_name(member, shown, where))
                total += member.size
                if total > limits.max_expanded_bytes:
                    raise _too_big(shown, f"{limits.max_expanded_bytes} bytes expanded", where)
    except (tarfile.TarError, EOFError, OSError) as err:
        raise SourceError(
            f"chart {shown} is not a readable .tgz archive ({type(err).__name__})",
            where=where,
            hint="Check the chart repository: the archive is damaged or not a chart",
        ) from err
    if len(tops) != 1:
        raise _unsafe(shown, "entries outside one top directory", where)
    return tops.pop()


def _checked_name(member: tarfile.TarInfo, shown: str, where: Location | None) -> str:
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not name.parts:
        raise _unsafe(shown, f"the entry {member.name[:200]!r}", where)
    if not (member.isfile() or member.isdir()):
        raise _unsafe(shown, f"the link or special file {member.name[:200]!r}", where)
    return name.parts[0]


def _unsafe(shown: str, what: str, where: Location | None) -> SourceError:
    return SourceError(
        f"chart {shown} is refused: its archive holds {what}",
        where=where,
        hint="Charts may hold only files and directories under the chart's own directory",
    )


def _too_big(shown: str, bound: str, where: Location | None) -> SourceError:
    return SourceError(
        f"chart {shown} is refused: its archive exceeds {bound}",
        where=where,
        hint="Use a smaller chart, or split it",
    )
