"""A chart repository served from a directory on this machine (``--helm-repo URL=DIR``).

The directory holds chart archives (``mongodb-15.6.0.tgz``) or chart directories (with a
``Chart.yaml``), or both; each is listed under the name and version its ``Chart.yaml`` declares,
as an index would list it. Used by the offline CLI and the demo, never by apps on a server
unless its operator mapped the URL.

It must not fetch anything.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from gitward.errors import Location, SourceError

__all__ = ["LocalChart", "local_charts"]

_MAX_CHART_YAML = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LocalChart:
    """One chart version in a local directory: an archive or a chart directory."""

    name: str
    version: str
    path: Path

    @property
    def is_archive(self) -> bool:
        return self.path.is_file()


def local_charts(directory: Path, *, where: Location | None) -> dict[str, list[LocalChart]]:
    """The charts under ``directory``, by name."""
    if not directory.is_dir():
        raise SourceError(
            f"{directory} (served as a Helm repository) is not a directory",
            where=where,
            hint="Point --helm-repo URL=DIR at a directory of charts",
        )
    found: dict[str, list[LocalChart]] = {}
    for entry in sorted(directory.iterdir()):
        metadata = _metadata(entry)
        if metadata is None:
            continue
        name, version = str(metadata.get("name", "")), str(metadata.get("version", ""))
        if name and version:
            found.setdefault(name, []).append(LocalChart(name, version, entry))
    return found


def _metadata(entry: Path) -> dict[str, Any] | None:
    if entry.is_dir() and (entry / "Chart.yaml").is_file():
        return _parse((entry / "Chart.yaml").read_bytes()[:_MAX_CHART_YAML])
    if entry.is_file() and entry.name.endswith(".tgz"):
        return _archive_metadata(entry)
    return None


def _archive_metadata(path: Path) -> dict[str, Any] | None:
    try:
        with tarfile.open(fileobj=io.BytesIO(path.read_bytes()), mode="r:gz") as archive:
            for member in archive:
                parts = PurePosixPath(member.name).parts
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    handle = archive.extractfile(member)
                    return _parse(handle.read(_MAX_CHART_YAML)) if handle else None
    except (tarfile.TarError, OSError, EOFError):
        return None
    return None


def _parse(text: bytes) -> dict[str, Any] | None:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None
