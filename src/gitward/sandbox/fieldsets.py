"""Field sets: which fields of an object a manager owns, in the ``fieldsV1`` wire format.

A field path is a tuple of path elements written as in ``fieldsV1``: ``f:spec`` (a map key),
``k:{"name":"web"}`` (a keyed list item), ``v:"x"`` (a set member), so decoding and encoding the
wire format is a tree walk. Leaves are scalars, atomic lists and empty maps; keyed list items
are members themselves, so dropping one from an apply removes the whole item.
This module must not decide ownership; :mod:`apply` and :mod:`managers` do.
"""

from __future__ import annotations

import json
from typing import Any

from gitward.sandbox import schema

__all__ = [
    "MISSING",
    "Path",
    "changed_paths",
    "decode",
    "encode",
    "field_set",
    "path_names",
    "remove_path",
    "render_path",
    "value_at",
]

Path = tuple[str, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# Fields the API server sets; nobody manages them.
_SERVER_METADATA = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
}


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def field_set(obj: dict[str, Any]) -> set[Path]:
    """Every owned-able path in ``obj`` (apiVersion, kind and server metadata excluded)."""
    paths: set[Path] = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _SERVER_METADATA}
            if meta:
                _walk(meta, ("f:metadata",), ("metadata",), paths)
            continue
        _walk(value, (f"f:{key}",), (key,), paths)
    return paths


def _walk(value: Any, path: Path, names: tuple[str, ...], out: set[Path]) -> None:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            _walk(child, (*path, f"f:{key}"), (*names, key), out)
        return
    if isinstance(value, list) and value:
        rule = schema.list_rule(names)
        if rule.kind == "map" and all(rule.key_of(item) for item in value):
            for item in value:
                item_path = (*path, "k:" + _dump(rule.key_of(item)))
                out.add(item_path)
                for key, child in item.items():
                    _walk(child, (*item_path, f"f:{key}"), (*names, key), out)
            return
        if rule.kind == "set":
            out.update((*path, "v:" + _dump(item)) for item in value)
            return
    out.add(path)


def path_names(path: Path) -> tuple[str, ...]:
    """The field names along ``path`` (list item elements skipped)."""
    return tuple(el[2:] for el in path if el.startswith("f:"))


def _find_item(items: list[Any], element: str, names: tuple[str, ...]) -> int | None:
    kind, _, raw = element.partition(":")
    wanted = json.loads(raw)
    rule = schema.list_rule(names)
    for index, item in enumerate(items):
        if kind == "k" and rule.key_of(item) == wanted:
            return index
        if kind == "v" and item == wanted:
            return index
        if kind == "i" and index == wanted:
            return index
    return None


def value_at(obj: Any, path: Path) -> Any:
    """The value at ``path`` in ``obj``, or :data:`MISSING`."""
    current = obj
    names: tuple[str, ...] = ()
    for element in path:
        if element.startswith("f:"):
            if not isinstance(current, dict) or element[2:] not in current:
                return MISSING
            current = current[element[2:]]
            names = (*names, element[2:])
            continue
        if not isinstance(current, list):
            return MISSING
        index = _find_item(current, element, names)
        if index is None:
            return MISSING
        current = current[index]
    return current


def remove_path(obj: dict[str, Any], path: Path) -> None:
    """Delete the field or list item at ``path`` if it is there."""
    if not path:
        return
    parent = value_at(obj, path[:-1])
    last = path[-1]
    if last.startswith("f:"):
        if isinstance(parent, dict):
            parent.pop(last[2:], None)
        return
    if isinstance(parent, list):
        index = _find_item(parent, last, path_names(path[:-1]))
        if index is not None:
            del parent[index]


def changed_paths(old: dict[str, Any], new: dict[str, Any]) -> tuple[set[Path], set[Path]]:
    """(paths set or changed by going from ``old`` to ``new``, paths that went away)."""
    new_paths = field_set(new)
    old_paths = field_set(old)
    changed = {p for p in new_paths if value_at(old, p) != value_at(new, p)}
    return changed, old_paths - new_paths


def decode(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    """``fieldsV1`` -> a set of paths."""
    paths: set[Path] = set()
    for key, child in tree.items():
        if key == ".":
            paths.add(prefix)
            continue
        path = (*prefix, key)
        if isinstance(child, dict) and child:
            paths |= decode(child, path)
        else:
            paths.add(path)
    return paths


def encode(paths: set[Path]) -> dict[str, Any]:
    """A set of paths -> ``fieldsV1`` (a member that also has members below carries ``.``)."""
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    for path in paths:
        node = tree
        for element in path:
            node = node[element]
        if node:
            node["."] = {}
    return _sorted_tree(tree)


def _sorted_tree(tree: dict[str, Any]) -> dict[str, Any]:
    return {k: _sorted_tree(tree[k]) for k in sorted(tree, key=lambda k: (k != ".", k))}


def render_path(path: Path) -> str:
    """``.spec.template.spec.containers[name="web"].image`` as conflicts print fields."""
    text = ""
    for element in path:
        kind, _, raw = element.partition(":")
        if kind == "f":
            text += f".{raw}"
        elif kind == "k":
            keys = json.loads(raw)
            text += "[" + ",".join(f"{k}={_dump(v)}" for k, v in keys.items()) + "]"
        else:
            text += f"[{raw}]"
    return text
