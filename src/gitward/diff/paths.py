"""Paths into JSON-shaped objects: RFC 6901 pointers, lookups, removal and replacement.

Every way of naming a field in the diff engine (an ``ignoreDifferences`` JSON pointer, a jq
``path()`` result, a managed-fields entry, a reported change) ends up as a :data:`Path`: a tuple
of map keys (``str``) and list indices (``int``). This module only walks plain dicts and lists;
it knows nothing about Kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitward.errors import ConfigError, Location

__all__ = [
    "Path",
    "format_pointer",
    "get_at",
    "has_path",
    "parse_pointer",
    "remove_paths",
    "set_at",
]

Path = tuple[str | int, ...]
"""Map keys and list indices from the root of an object to one node."""

_MISSING = object()


def parse_pointer(pointer: str, *, where: Location | None = None) -> Path:
    """``/spec/template/spec/containers/0/image`` -> ``("spec", ..., 0, "image")``.

    Numeric tokens become ints (they index lists; on maps they are looked up as strings by
    :func:`get_at`). ``~1`` is ``/`` and ``~0`` is ``~`` (RFC 6901).
    """
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ConfigError(
            f"the JSON pointer {pointer!r} does not start with '/'",
            where=where,
            hint="Write JSON pointers as in RFC 6901, e.g. /spec/replicas",
        )
    tokens = pointer[1:].split("/")
    return tuple(_token(token.replace("~1", "/").replace("~0", "~")) for token in tokens)


def _token(part: str) -> str | int:
    if part.isdigit() and (part == "0" or not part.startswith("0")):
        return int(part)
    return part


def format_pointer(path: Path) -> str:
    """The RFC 6901 pointer of ``path``; the root is ``""``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(part), _MISSING)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def get_at(obj: Any, path: Path, default: Any = None) -> Any:
    """The node at ``path``, or ``default`` when any step is absent."""
    node = obj
    for part in path:
        node = _child(node, part)
        if node is _MISSING:
            return default
    return node


def has_path(obj: Any, path: Path) -> bool:
    """Whether ``path`` leads to a node (which may hold ``None``)."""
    node = obj
    for part in path:
        node = _child(node, part)
        if node is _MISSING:
            return False
    return True


def set_at(obj: Any, path: Path, value: Any) -> bool:
    """Put ``value`` at ``path`` in place, creating missing maps on the way.

    Returns False (changing nothing) when a step meets a scalar, or a list index out of range.
    """
    if not path:
        return False
    node = obj
    for part in path[:-1]:
        child = _child(node, part)
        if child is _MISSING:
            if not isinstance(node, dict):
                return False
            child = node[str(part)] = {}
        node = child
    last = path[-1]
    if isinstance(node, dict):
        node[str(last)] = value
        return True
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = value
        return True
    return False


def remove_paths(obj: Any, paths: Iterable[Path]) -> None:
    """Remove every path that exists, in place; absent paths are not an error.

    Deeper paths and higher list indices go first, so that removing one list element does not
    shift the index another path names.
    """
    for path in sorted(set(paths), key=_removal_order, reverse=True):
        if not path:
            continue
        parent = get_at(obj, path[:-1], _MISSING)
        last = path[-1]
        if isinstance(parent, dict):
            parent.pop(str(last), None)
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            del parent[last]


def _removal_order(path: Path) -> tuple[tuple[int, str | int], ...]:
    # Comparable across str and int parts: ints sort by value, strings after them.
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in path)
