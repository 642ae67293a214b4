"""Server-side apply: merge an applied configuration into the live object, per field manager.

The rules are the documented ones: the applier owns exactly the fields of its latest applied
configuration; a field another manager owns with a different value is a conflict (409 with one
cause per field) unless ``force``, which moves ownership; managers that set a field to the same
value share it; a field dropped from an applier's configuration is removed from the object when
no other manager owns it. This module must not store objects or check namespaces.
"""

from __future__ import annotations

import json
from typing import Any

from gitward.sandbox import fieldsets, managers, schema
from gitward.sandbox.objects import clone
from gitward.sandbox.status import ApiError

__all__ = ["server_side_apply"]


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    force: bool,
    subresource: str,
    now: str,
) -> dict[str, Any]:
    """The object after ``manager`` applies ``applied`` to ``live`` (None: it does not exist)."""
    entries = managers.parse(live)
    key = (manager, "Apply", subresource)
    applied_paths = fieldsets.field_set(applied)
    current = live or {}
    clashes = _conflicts(entries, key, applied_paths, current, applied)
    if clashes and not force:
        raise _conflict_error(clashes)
    for entry, path in clashes:
        entry.paths.discard(path)
    mine = managers.find(entries, key, api_version, now)
    others: set[fieldsets.Path] = set()
    for entry in entries:
        if entry is not mine:
            others |= entry.paths
    merged = clone(current)
    kept = others | applied_paths
    for path in sorted(mine.paths - kept, key=len, reverse=True):
        if not _identifies_item(path) and not _holds_kept(path, kept):
            _remove_with_empty_parents(merged, path, kept)
    merged = dict(_merge(merged, applied, ()))
    mine.paths = applied_paths
    merged.setdefault("metadata", {})["managedFields"] = managers.render(entries)
    return merged


def _conflicts(
    entries: list[managers.Entry],
    key: tuple[str, str, str],
    applied_paths: set[fieldsets.Path],
    live: dict[str, Any],
    applied: dict[str, Any],
) -> list[tuple[managers.Entry, fieldsets.Path]]:
    found = []
    for entry in entries:
        if entry.key == key:
            continue
        for path in sorted(applied_paths & entry.paths):
            if not path[-1].startswith("f:"):
                continue
            if fieldsets.value_at(live, path) != fieldsets.value_at(applied, path):
                found.append((entry, path))
    return found


def _conflict_error(clashes: list[tuple[managers.Entry, fieldsets.Path]]) -> ApiError:
    causes = [
        {
            "type": "FieldManagerConflict",
            "message": f'conflict with "{entry.manager}" using {entry.api_version}',
            "field": fieldsets.render_path(path),
        }
        for entry, path in clashes
    ]
    if len(clashes) == 1:
        entry, path = clashes[0]
        text = (
            f'Apply failed with 1 conflict: conflict with "{entry.manager}" using '
            f"{entry.api_version}: {fieldsets.render_path(path)}"
        )
    else:
        lines = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
        text = f"Apply failed with {len(clashes)} conflicts:\n{lines}"
    return ApiError(409, "Conflict", text, {"causes": causes})


def _identifies_item(path: fieldsets.Path) -> bool:
    """Whether ``path`` is a key field of a keyed list item (``k:{"port":80}`` / ``f:port``):
    it goes with the item or stays with it, never alone."""
    if len(path) < 2 or not path[-2].startswith("k:") or not path[-1].startswith("f:"):
        return False
    keys = json.loads(path[-2][2:])
    return isinstance(keys, dict) and path[-1][2:] in keys


def _holds_kept(path: fieldsets.Path, kept: set[fieldsets.Path]) -> bool:
    """Whether a list item at ``path`` holds a field someone still owns (then it stays)."""
    return path[-1].startswith("k:") and any(
        len(other) > len(path) and other[: len(path)] == path for other in kept
    )


def _remove_with_empty_parents(
    obj: dict[str, Any], path: fieldsets.Path, kept: set[fieldsets.Path]
) -> None:
    fieldsets.remove_path(obj, path)
    parent = path[:-1]
    while len(parent) > 1 and parent[-1].startswith("f:"):
        value = fieldsets.value_at(obj, parent)
        owned_below = any(p[: len(parent)] == parent for p in kept)
        if value not in ({}, []) or owned_below:
            return
        fieldsets.remove_path(obj, parent)
        parent = parent[:-1]


def _merge(base: Any, applied: Any, names: tuple[str, ...]) -> Any:
    if isinstance(base, dict) and isinstance(applied, dict):
        result = dict(base)
        for key, value in applied.items():
            if value is None:
                result.pop(key, None)
            elif key in result:
                result[key] = _merge(result[key], value, (*names, key))
            else:
                result[key] = clone(value)
        return result
    if isinstance(base, list) and isinstance(applied, list):
        return _merge_list(base, applied, names)
    return clone(applied)


def _merge_list(base: list[Any], applied: list[Any], names: tuple[str, ...]) -> list[Any]:
    rule = schema.list_rule(names)
    if rule.kind == "set":
        return list(base) + [item for item in applied if item not in base]
    if rule.kind != "map" or not all(rule.key_of(i) for i in [*base, *applied]):
        return clone(applied)
    result = list(base)
    for item in applied:
        key = rule.key_of(item)
        index = next((i for i, b in enumerate(result) if rule.key_of(b) == key), None)
        if index is None:
            result.append(clone(item))
        else:
            result[index] = _merge(result[index], item, names)
    return result
