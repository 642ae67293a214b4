"""Which fields of an object a field manager owns, read from ``metadata.managedFields``.

Server-side apply records ownership as a ``fieldsV1`` tree: ``f:spec: {f:replicas: {}}`` for a
field, ``k:{"name":"web"}`` for the list element with that key, ``v:"x"`` for a set element,
``i:3`` for a position, and ``.`` for the node itself. :func:`owned_paths` resolves such a tree
against a concrete object and returns :data:`~gitward.diff.paths.Path` s, finding keyed elements
by their key (Argo CD drops list keys when it turns ownership into paths, so an owned field
inside ``containers[name=web]`` is never ignored there).

Only leaves are returned: a node that merely exists because of the manager (``.``) is left to
the list pairing, and the key fields of an element are never returned (removing them would
make the element unidentifiable). Pure: reads its arguments only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gitward.diff.paths import Path

__all__ = ["manager_fields", "owned_paths"]


def manager_fields(live: Any, managers: Iterable[str]) -> list[dict[str, Any]]:
    """The ``fieldsV1`` trees that ``managers`` hold in ``live``'s managed fields."""
    wanted = set(managers)
    metadata = live.get("metadata") if isinstance(live, dict) else None
    entries = metadata.get("managedFields") if isinstance(metadata, dict) else None
    if not wanted or not isinstance(entries, list):
        return []
    return [
        entry["fieldsV1"]
        for entry in entries
        if isinstance(entry, dict)
        and entry.get("manager") in wanted
        and isinstance(entry.get("fieldsV1"), dict)
    ]


def owned_paths(fields: dict[str, Any], obj: Any) -> list[Path]:
    """The leaf paths of ``obj`` that the ``fieldsV1`` tree ``fields`` owns."""
    found: list[Path] = []
    _walk(fields, obj, (), frozenset(), found)
    return found


def _walk(
    fields: dict[str, Any], node: Any, path: Path, key_fields: frozenset[str], found: list[Path]
) -> None:
    for token, children in fields.items():
        kind, _, raw = token.partition(":")
        child_fields = children if isinstance(children, dict) else {}
        step = _step(kind, raw, node)
        if step is None or (kind == "f" and raw in key_fields):
            continue
        child_keys = _key_names(kind, raw)
        if any(name != "." for name in child_fields):
            _walk(child_fields, _at(node, step), (*path, step), child_keys, found)
        elif kind in ("f", "v"):
            found.append((*path, step))


def _step(kind: str, raw: str, node: Any) -> str | int | None:
    if kind == "f":
        return raw if isinstance(node, dict) and raw in node else None
    if not isinstance(node, list):
        return None
    if kind == "i":
        index = int(raw) if raw.isdigit() else -1
        return index if 0 <= index < len(node) else None
    try:
        wanted = json.loads(raw)
    except ValueError:
        return None
    for index, element in enumerate(node):
        if (kind == "k" and _has_key(element, wanted)) or (kind == "v" and element == wanted):
            return index
    return None


def _has_key(element: Any, key: Any) -> bool:
    if not isinstance(element, dict) or not isinstance(key, dict):
        return False
    return all(_key_value(element, name) == value for name, value in key.items())


def _key_value(element: dict[str, Any], name: str) -> Any:
    if name == "protocol":
        return element.get(name) or "TCP"
    return element.get(name)


def _key_names(kind: str, raw: str) -> frozenset[str]:
    if kind != "k":
        return frozenset()
    try:
        key = json.loads(raw)
    except ValueError:
        return frozenset()
    return frozenset(key) if isinstance(key, dict) else frozenset()


def _at(node: Any, step: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(step))
    if isinstance(node, list) and isinstance(step, int):
        return node[step]
    return None
