"""The git generator's view of a checkout: which directories and files its globs match, and
the parameters each one gives.

Argo CD matches ``directories`` with Go's ``path.Match`` against every directory of the
repository (``*`` stays within one path segment) and ``files`` with globs where ``**`` crosses
directories; an entry with ``exclude: true`` removes what it matches, whatever the order.
Hidden directories (``.git``, ``.github``) are not offered. The parameters are Argo CD's:
``path``, ``path.basename``, ``path.basenameNormalized``, ``path[n]`` (flat) or ``.path.path``,
``.path.segments`` (Go templates), ``path.filename`` for files, all under ``pathParamPrefix``
when set. It must not read outside the checkout.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import Location, ManifestError, PathEscapeError
from gitward.model.appsets import GitPath

__all__ = [
    "directory_params",
    "file_params",
    "flat_texts",
    "matching_directories",
    "matching_files",
    "sanitize_name",
]

_INVALID_NAME = re.compile(r"[^-a-z0-9.]")
_MAX_FILE_BYTES = 1024 * 1024
MAX_FILE_VALUES = 1_000_000
"""Values (mappings, lists, scalars) one file may give once its YAML aliases are expanded:
a few hundred bytes of nested aliases (a "billion laughs") expand to billions."""


def sanitize_name(name: str) -> str:
    """Argo CD's ``normalize``: lower case, anything else than ``[-a-z0-9.]`` becomes ``-``,
    at most 253 characters, no leading or trailing ``-`` or ``.``."""
    return _INVALID_NAME.sub("-", name.lower())[:253].strip("-.")


def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` matches ``pattern``, segment by segment; ``**`` is any number of
    segments."""
    return _match(pattern.strip("/").split("/"), path.split("/"))


def _match(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, parts[skip:]) for skip in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and _match(rest, parts[1:])


def _walk(root: Path) -> Iterable[tuple[str, bool]]:
    """Every non-hidden directory (False) and file (True) under ``root``, relative, sorted."""
    for entry in sorted(root.rglob("*")):
        relative = entry.relative_to(root).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        if entry.is_symlink():
            continue
        yield relative, entry.is_file()


def _selected(root: Path, entries: tuple[GitPath, ...], files: bool) -> list[str]:
    found = []
    for relative, is_file in _walk(root):
        if is_file != files:
            continue
        hits = [entry for entry in entries if glob_match(entry.path, relative)]
        if any(not e.exclude for e in hits) and not any(e.exclude for e in hits):
            found.append(relative)
    return found


def matching_directories(root: Path, entries: tuple[GitPath, ...]) -> list[str]:
    """Directories of the checkout the ``directories`` entries select."""
    return _selected(root, entries, files=False)


def matching_files(root: Path, entries: tuple[GitPath, ...]) -> list[str]:
    """Files of the checkout the ``files`` entries select."""
    return _selected(root, entries, files=True)


def directory_params(path: str, prefix: str, go_template: bool) -> dict[str, Any]:
    """The parameters of one matched directory."""
    return _path_params(path, None, prefix, go_template)


def file_params(
    root: Path, path: str, prefix: str, go_template: bool, where: Location
) -> list[dict[str, Any]]:
    """One parameter set per object of a JSON or YAML file (a file may hold a list)."""
    found = []
    for item in _read(root, path, where):
        params: dict[str, Any] = dict(item) if go_template else dict(_flat(item))
        params.update(_path_params(posixpath.dirname(path), path, prefix, go_template))
        found.append(params)
    return found


def _path_params(directory: str, file: str | None, prefix: str, go: bool) -> dict[str, Any]:
    base = posixpath.basename(directory)
    if go:
        found: dict[str, Any] = {
            "path": directory,
            "basename": base,
            "basenameNormalized": sanitize_name(base),
            "segments": directory.split("/"),
        }
        if file is not None:
            name = posixpath.basename(file)
            found.update(filename=name, filenameNormalized=sanitize_name(name))
        return {prefix: {"path": found}} if prefix else {"path": found}
    key = f"{prefix}.path" if prefix else "path"
    flat = {
        key: directory,
        f"{key}.basename": base,
        f"{key}.basenameNormalized": sanitize_name(base),
    }
    if file is not None:
        name = posixpath.basename(file)
        flat.update({f"{key}.filename": name, f"{key}.filenameNormalized": sanitize_name(name)})
    for index, segment in enumerate(directory.split("/")):
        if segment:
            flat[f"{key}[{index}]"] = segment
    return flat


def flat_texts(params: Any) -> dict[str, str]:
    """Parameters as dotted keys and text values (what a post-selector matches against)."""
    return _flat(params)


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested mappings and lists as dotted keys (``a.b``, ``list.0``), values as text."""
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(_flat(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list):
        flat = {}
        for index, inner in enumerate(value):
            flat.update(_flat(inner, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    if isinstance(value, bool):
        return {prefix: "true" if value else "false"}
    return {prefix: "<nil>" if value is None else str(value)}


def _check_expanded_size(loaded: Any, path: str, where: Location) -> None:
    """Refuse a file whose values, aliases expanded, pass :data:`MAX_FILE_VALUES` (counted
    through shared references, stopping at the limit; a self-referring alias stops there too)."""
    count, stack = 0, [loaded]
    while stack:
        value = stack.pop()
        count += 1
        if count > MAX_FILE_VALUES:
            raise ManifestError(
                f"{path} gives more than {MAX_FILE_VALUES} values once its YAML aliases are "
                "expanded",
                where=where,
                hint="Write the values out, or use fewer nested aliases (&anchor/*alias)",
            )
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _read(root: Path, path: str, where: Location) -> list[dict[str, Any]]:
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()):
        raise PathEscapeError(f"{path} leaves the repository", where=where)
    data = target.read_bytes()[: _MAX_FILE_BYTES + 1]
    if len(data) > _MAX_FILE_BYTES:
        raise ManifestError(f"{path} is larger than 1 MiB", where=where)
    try:
        loaded = yaml.safe_load(data.decode("utf-8")) if data.strip() else {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ManifestError(
            f"{path} is not JSON or YAML: {str(err).splitlines()[0]}",
            where=where,
            hint="Fix the file, or exclude it with a `files` entry that has exclude: true",
        ) from err
    _check_expanded_size(loaded, path, where)
    items = loaded if isinstance(loaded, list) else [loaded]
    if not all(isinstance(item, dict) for item in items):
        raise ManifestError(
            f"{path} must hold a mapping or a list of mappings",
            where=where,
            hint="Write the file as `key: value` pairs",
        )
    return items
