"""Glob patterns in ``helm.valueFiles`` (``envs/*.yaml``, ``envs/**/*.yaml``), as Argo CD
expands them.

Argo CD expands a value file entry that holds ``*``, ``?`` or ``[`` with the doublestar library
before it calls Helm: ``*`` and ``?`` stay within one path segment, ``[abc]`` and ``[a-z]`` are
character classes, and a ``**`` segment matches zero or more directories. The matches replace
the entry in place, in doublestar's order: a directory's names sorted, and for ``**`` the
directory's own matches before those of its subdirectories (sorted). The pattern is read
relative to the same place as a plain entry (the chart directory, the repository root for a
leading ``/``, or another source's root for ``$ref/``), and every match must stay inside that
repository, symlinks followed. It must not read the files it finds.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

from gitward.errors import Location
from gitward.git import paths

__all__ = ["expand", "is_glob"]

_GLOB_CHARS = frozenset("*?[")


def is_glob(text: str) -> bool:
    """Whether a value file entry is a pattern rather than one file."""
    return any(char in _GLOB_CHARS for char in text)


def expand(root: Path, pattern: str, *, where: Location) -> list[str]:
    """The repository-relative paths of the regular files under ``root`` that ``pattern`` (a
    repository-relative pattern) matches, in doublestar's order; PathEscapeError for a match
    that leaves the repository."""
    segments = [part for part in pattern.split("/") if part not in ("", ".")]
    fixed: list[str] = []
    while segments and not is_glob(segments[0]):
        fixed.append(segments.pop(0))
    prefix = posixpath.normpath("/".join(fixed)) if fixed else "."
    base = paths.resolve_inside(root, prefix, where=where, must_exist=False)
    if not base.is_dir():
        return []
    found = []
    for relative in _matches(base, segments, "" if prefix == "." else prefix):
        paths.resolve_inside(root, relative, where=where)  # symlinks must stay inside
        found.append(relative)
    return found


def _matches(directory: Path, segments: list[str], shown: str) -> Iterator[str]:
    """Files under ``directory`` matching ``segments``; ``shown`` is its repository path."""
    if not segments:
        return
    segment, rest = segments[0], segments[1:]
    if segment == "**":
        yield from _matches(directory, rest, shown)  # zero directories
        for name in _names(directory, directories=True):
            if not (directory / name).is_symlink():  # no loops through linked directories
                yield from _matches(directory / name, segments, _join(shown, name))
        return
    for name in _names(directory, directories=bool(rest)):
        if fnmatchcase(name, segment) if is_glob(segment) else name == segment:
            if rest:
                yield from _matches(directory / name, rest, _join(shown, name))
            else:
                yield _join(shown, name)


def _names(directory: Path, *, directories: bool) -> list[str]:
    """The sorted names of ``directory``'s subdirectories (or regular files); hidden ones
    (``.git``) are left out."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    return sorted(
        entry.name
        for entry in entries
        if not entry.name.startswith(".") and (entry.is_dir() if directories else entry.is_file())
    )


def _join(shown: str, name: str) -> str:
    return f"{shown}/{name}" if shown else name
