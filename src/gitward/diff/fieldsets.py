"""Which fields of an object a field manager owns, read from ``metadata.managedFields``.

Server-side apply records ownership as a ``fieldsV1`` tree: ``f:spec: {f:replicas: {}}`` for a
field, ``k:{"name":"web"}`` for the list element with that key, ``v:"x"`` for a set element,
``i:3`` for a position, and ``.`` for the node itself. :func:`owned_paths` resolves such a tree
against a concrete object and returns :data:`~gitward.diff.paths.Path` s, finding keyed elements
by their key (Argo CD drops list keys when it turns ownership into paths, so an owned field
inside ``containers[name=web]`` is never ignored there).

Only leaves are returned: a node that merely exists because of the manager (``.``) is left to
the list pairing, and the key fields of an element are never returned (removing them would
make the element unidentifiable).

:func:`applied_record` turns the same trees the other way: the part of a live object that one
manager's last server-side apply owns (keyed list elements with their keys), which is what that
manager applied last as far as the object still shows it. The diff uses gitward's as the
"last applied" record of a three-way comparison. Pure: reads its arguments only.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from gitward.diff.paths import Path

__all__ = [
    "applied_record",
    "applied_tree",
    "leaves_out",
    "manager_fields",
    "owned_paths",
]


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


def applied_tree(live: Any, manager: str) -> dict[str, Any] | None:
    """The ``fieldsV1`` tree of ``manager``'s server-side apply to ``live`` itself (not to a
    subresource); None when that manager never applied it."""
    metadata = live.get("metadata") if isinstance(live, dict) else None
    entries = metadata.get("managedFields") if isinstance(metadata, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if (
            isinstance(entry, dict)
            and entry.get("manager") == manager
            and entry.get("operation") == "Apply"
            and not entry.get("subresource")
            and isinstance(entry.get("fieldsV1"), dict)
        ):
            tree: dict[str, Any] = entry["fieldsV1"]
            return tree
    return None


def applied_record(live: Any, manager: str) -> dict[str, Any] | None:
    """The part of ``live`` that ``manager``'s last server-side apply owns, shaped like the
    object (None when it never applied it): the fields it would remove were they left out of
    its next apply."""
    tree = applied_tree(live, manager)
    if tree is None:
        return None
    owned = _owned_part(tree, live)
    record = owned if isinstance(owned, dict) else {}
    for name in ("apiVersion", "kind"):
        if name in live:
            record[name] = live[name]
    return record


def leaves_out(fields: dict[str, Any], obj: Any) -> bool:
    """Whether ``obj`` lacks (or leaves empty) any field or list element the ``fieldsV1`` tree
    ``fields`` names: if not, a record made of that tree removes nothing from ``obj``."""
    for element, children in fields.items():
        if element == ".":
            continue
        kind, _, raw = element.partition(":")
        if kind == "f":
            child = obj.get(raw) if isinstance(obj, dict) else None
            if child is None or child in ({}, []):
                return True
        else:
            index = _step(kind, raw, obj)
            if not isinstance(index, int):
                return True
            child = obj[index]
        if isinstance(children, dict) and leaves_out(children, child):
            return True
    return False


def _owned_part(fields: dict[str, Any], node: Any) -> Any:
    """``node`` cut down to what ``fields`` owns; a leaf (or an atomic value) is kept whole,
    a node owned only as a member (``.``) keeps none of its children."""
    if not fields:
        return node
    if isinstance(node, dict):
        part: dict[str, Any] = {}
        for token, children in fields.items():
            kind, _, name = token.partition(":")
            if kind == "f" and name in node:
                part[name] = _owned_part(_tree(children), node[name])
        return part
    if isinstance(node, list):
        return _owned_elements(fields, node)
    return node


def _owned_elements(fields: dict[str, Any], items: list[Any]) -> list[Any]:
    """The owned elements of a list, in the list's order, each cut down to what is owned (a
    keyed element keeps its key fields, so it can still be paired)."""
    chosen: dict[int, Any] = {}
    for token, children in fields.items():
        kind, _, raw = token.partition(":")
        index = _step(kind, raw, items) if kind in ("k", "v", "i") else None
        if not isinstance(index, int):
            continue
        element = items[index]
        owned = _owned_part(_tree(children), element)
        if kind == "k" and isinstance(owned, dict) and isinstance(element, dict):
            owned = {**_key_of(raw, element), **owned}
        chosen[index] = owned
    return [chosen[index] for index in sorted(chosen)]


def _tree(children: Any) -> dict[str, Any]:
    return children if isinstance(children, dict) else {}


def _key_of(raw: str, element: dict[str, Any]) -> dict[str, Any]:
    return {name: element[name] for name in _key_names("k", raw) if name in element}


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
    wanted = _parsed(raw)
    if wanted is _INVALID:
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
    key = _parsed(raw)
    return frozenset(key) if isinstance(key, dict) else frozenset()


_INVALID: Any = object()


@functools.lru_cache(maxsize=4096)
def _parsed(raw: str) -> Any:
    """The JSON of an element token (``{"name":"web"}``), parsed once per distinct text (the
    same keys recur in every object of a kind); never changed by callers."""
    try:
        return json.loads(raw)
    except ValueError:
        return _INVALID


def _at(node: Any, step: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(str(step))
    if isinstance(node, list) and isinstance(step, int):
        return node[step]
    return None
