"""Safe paths inside a checkout.

Every path an Application names (``spec.source.path``, ``helm.valueFiles``, a file a chart reads)
comes from a repository that gitward does not control. This module is the one gate between such a
string and the disk: a path must stay inside the repository after ``..`` segments are collapsed
and after every symlink is followed, as Argo CD's ``resolveFileOrDirectory`` requires.

Paths longer than the operating system allows (4,096 bytes, or one segment over 255) are refused
before they reach the disk, and any other OS error while checking (permissions, a too-deep tree)
becomes a :class:`SourceError` at the same location, so that no path an Application names can
crash a render. Messages quote at most the first 100 characters of a path.

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
_MAX_PATH_BYTES = 4096  # Linux PATH_MAX
_MAX_NAME_BYTES = 255  # NAME_MAX of every common filesystem
_SHOWN_CHARS = 100


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
    :class:`PathEscapeError`. A missing path is a :class:`SourceError` when ``must_exist``, and so
    is a path too long for the system or one the OS cannot look at.
    """
    cleaned = _clean_relative(relative, where=where)
    try:
        real_root = root.resolve()
        candidate = Path(os.path.realpath(real_root / cleaned))
        inside = _is_within(candidate, real_root)
        exists = inside and candidate.exists()
    except OSError as err:
        raise _unreadable(relative, err, where) from err
    if not inside:
        raise PathEscapeError(
            f"path {_shown_path(relative)!r} resolves outside the repository (through a symlink)",
            where=where,
            hint="Make the symlink point inside the repository, or name the file it points to",
        )
    if must_exist and not exists:
        raise SourceError(
            f"path {_shown_path(relative)!r} does not exist in the repository",
            where=where,
            hint="Check the spelling and the revision, or add the file to the repository",
        )
    return candidate


def check_tree_inside(
    root: Path, directory: Path, *, where: Location, max_files: int | None = None
) -> None:
    """Reject any symlink under ``directory`` (a chart, a manifest folder) that leaves ``root``,
    and (given ``max_files``) a directory holding more files than that.

    Run before a renderer reads a whole directory, so that a link such as
    ``templates/secret.yaml -> /etc/shadow`` is refused rather than rendered. Links that stay
    inside ``root`` are allowed.
    """
    try:
        _check_tree(root.resolve(), directory, where=where, max_files=max_files)
    except OSError as err:
        raise _unreadable(directory.name, err, where) from err


def _check_tree(
    real_root: Path, directory: Path, *, where: Location, max_files: int | None
) -> None:
    if not _is_within(Path(os.path.realpath(directory)), real_root):
        raise PathEscapeError(
            f"directory {directory.name!r} is outside the repository",
            where=where,
            hint="Name a directory inside the repository",
        )
    files = 0
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        files += len(filenames)
        if max_files is not None and files > max_files:
            raise SourceError(
                f"directory {directory.name!r} holds more than {max_files:,} files",
                where=where,
                hint="Move generated or vendored files out of the directory, or raise the "
                "limit (GITWARD_RENDER_MAX_FILES, gitward server --render-max-files)",
            )
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
    shown = _shown_path(relative)
    if "\x00" in relative:
        raise PathEscapeError("path contains a NUL byte", where=where, hint=_STAY_INSIDE)
    if looks_like_url(relative):
        raise PathEscapeError(
            f"path {shown!r} is a URL, not a path in the repository",
            where=where,
            hint=_STAY_INSIDE,
        )
    if relative.startswith("/") or Path(relative).is_absolute():
        raise PathEscapeError(f"path {shown!r} is absolute", where=where, hint=_STAY_INSIDE)
    _check_length(relative, where=where)
    cleaned = posixpath.normpath(relative or ".")
    if cleaned == ".." or cleaned.startswith("../"):
        raise PathEscapeError(
            f"path {shown!r} climbs out of the repository", where=where, hint=_STAY_INSIDE
        )
    return cleaned


def _check_length(relative: str, *, where: Location) -> None:
    """Refuse a path no filesystem would hold, before the OS is asked about it."""
    encoded = relative.encode("utf-8", "surrogateescape")
    longest = max((len(part) for part in encoded.split(b"/")), default=0)
    if len(encoded) <= _MAX_PATH_BYTES and longest <= _MAX_NAME_BYTES:
        return
    raise SourceError(
        f"path {_shown_path(relative)!r} ({len(encoded):,} bytes) is too long for a file system",
        where=where,
        hint=f"Use a path of at most {_MAX_PATH_BYTES:,} bytes, each name between slashes at "
        f"most {_MAX_NAME_BYTES}",
    )


def _unreadable(relative: str, err: OSError, where: Location) -> SourceError:
    return SourceError(
        f"path {_shown_path(relative)!r} cannot be looked up: {err.strerror or type(err).__name__}",
        where=where,
        hint="Check that the path exists in the repository and can be read",
    )


def _shown_path(path: str) -> str:
    """``path`` for a message: its first characters when it is long."""
    return path if len(path) <= _SHOWN_CHARS else f"{path[:_SHOWN_CHARS]}…"


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _shown(entry: Path, root: Path) -> str:
    """The entry relative to the repository root, for messages."""
    try:
        return Path(os.path.realpath(entry.parent), entry.name).relative_to(root).as_posix()
    except ValueError:
        return entry.name
