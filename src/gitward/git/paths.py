"""Safe paths inside a checkout.

Every path an Application names (``spec.source.path``, ``helm.valueFiles``, a file a chart reads)
comes from a repository that gitward does not control. This module is the one gate between such a
string and the disk: a path must stay inside the repository after ``..`` segments are collapsed
and after every symlink is followed, as Argo CD's ``resolveFileOrDirectory`` requires.

It must not read file contents and must not follow anything it has not checked; it only answers
"which real path is this, and is it inside?".
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from gitward.errors import Location, PathEscapeError, SourceError

__all__ = [
    "check_tree_inside",
    "join_source_path",
    "looks_like_url",
    "resolve_inside",
]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^file:", re.IGNORECASE)
_STAY_INSIDE = "Use a path relative to the repository root that stays inside the repository"


def looks_like_url(text: str) -> bool:
    """Whether ``text`` is a URL (``https://``, ``file:``...) rather than a repository path."""
    return bool(_URL.match(text.strip()))


def join_source_path(base: str, relative: str) -> str:
    """Join a path named relative to ``base`` (both repository-relative), as Argo CD does.

    ``join_source_path("helm/ai-chatbot", "../../gitops/dev/values.yaml")`` is
    ``"gitops/dev/values.yaml"``. A ``relative`` with a leading ``/`` is taken from the repository
    root, as Argo CD takes absolute valueFiles. The result is only joined, not checked: pass it to
    :func:`resolve_inside`, which rejects escapes.
    """
    if relative.startswith("/"):
        joined = relative.lstrip("/")
    else:
        joined = posixpath.join(base.strip("/"), relative)
    return posixpath.normpath(joined) if joined else "."


def resolve_inside(root: Path, relative: str, *, where: Location, must_exist: bool = True) -> Path:
    """The real path of ``relative`` inside the checkout ``root``; raises if it leaves it.

    ``..`` segments that stay inside are allowed; absolute paths, URLs, NUL bytes, ``..`` that
    climbs above ``root`` and symlinks (followed to the end of any chain) that land outside are
    :class:`PathEscapeError`. A missing path is a :class:`SourceError` when ``must_exist``.
    """
    cleaned = _clean_relative(relative, where=where)
    real_root = root.resolve()
    candidate = Path(os.path.realpath(real_root / cleaned))
    if not _is_within(candidate, real_root):
        raise PathEscapeError(
            f"path {relative!r} resolves outside the repository (through a symlink)",
            where=where,
            hint="Make the symlink point inside the repository, or name the file it points to",
        )
    if must_exist and not candidate.exists():
        raise SourceError(
            f"path {relative!r} does not exist in the repository",
            where=where,
            hint="Check the spelling and the revision, or add the file to the repository",
        )
    return candidate


def check_tree_inside(root: Path, directory: Path, *, where: Location) -> None:
    """Reject any symlink under ``directory`` (a chart, a manifest folder) that leaves ``root``.

    Run before a renderer reads a whole directory, so that a link such as
    ``templates/secret.yaml -> /etc/shadow`` is refused rather than rendered. Links that stay
    inside ``root`` are allowed.
    """
    real_root = root.resolve()
    if not _is_within(Path(os.path.realpath(directory)), real_root):
        raise PathEscapeError(
            f"directory {directory.name!r} is outside the repository",
            where=where,
            hint="Name a directory inside the repository",
        )
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        for name in (*dirnames, *filenames):
            entry = Path(current, name)
            if entry.is_symlink() and not _is_within(Path(os.path.realpath(entry)), real_root):
                shown = _shown(entry, real_root)
                raise PathEscapeError(
                    f"symlink {shown!r} points outside the repository",
                    where=where,
                    hint="Make the symlink point inside the repository, or remove it",
                )


def _clean_relative(relative: str, *, where: Location) -> str:
    """``relative`` with ``..`` collapsed; raises for anything that is not a relative path."""
    if "\x00" in relative:
        raise PathEscapeError("path contains a NUL byte", where=where, hint=_STAY_INSIDE)
    if looks_like_url(relative):
        raise PathEscapeError(
            f"path {relative!r} is a URL, not a path in the repository",
            where=where,
            hint=_STAY_INSIDE,
        )
    if relative.startswith("/") or Path(relative).is_absolute():
        raise PathEscapeError(f"path {relative!r} is absolute", where=where, hint=_STAY_INSIDE)
    cleaned = posixpath.normpath(relative or ".")
    if cleaned == ".." or cleaned.startswith("../"):
        raise PathEscapeError(
            f"path {relative!r} climbs out of the repository", where=where, hint=_STAY_INSIDE
        )
    return cleaned


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _shown(entry: Path, root: Path) -> str:
    """The entry relative to the repository root, for messages."""
    try:
        return Path(os.path.realpath(entry.parent), entry.name).relative_to(root).as_posix()
    except ValueError:
        return entry.name
