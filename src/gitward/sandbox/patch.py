"""The three classic patch formats: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and
Kubernetes' strategic merge patch (lists merged by key, ``$patch`` directives).

Each takes the current object and the patch document and returns a new object; a patch that
cannot apply raises :class:`ApiError` as the real server would. This module must not know about
field managers or storage.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox import schema
from gitward.sandbox.objects import clone
from gitward.sandbox.status import ApiError, bad_request

__all__ = ["json_patch", "merge_patch", "strategic_merge_patch"]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise _unprocessable(f"doc is missing path: {path!r}")
    return node


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, "Invalid", f"the server rejected our request: {message}")


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    node, last = _parent(doc, parts, path), parts[-1]
    if isinstance(node, dict) and last in node:
        return node[last]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node[int(last)]
    raise _unprocessable(f"doc is missing path: {path!r}")


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    value = _get(doc, path)
    node, last = _parent(doc, parts, path), parts[-1]
    if isinstance(node, dict):
        del node[last]
    else:
        del node[int(last)]
    return value


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return clone(value)
    node, last = _parent(doc, parts, path), parts[-1]
    if isinstance(node, dict):
        node[last] = clone(value)
    elif isinstance(node, list) and last == "-":
        node.append(clone(value))
    elif isinstance(node, list) and last.isdigit() and int(last) <= len(node):
        node.insert(int(last), clone(value))
    else:
        raise _unprocessable(f"doc is missing path: {path!r}")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 operations applied in order to a copy of ``target``."""
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    doc = clone(target)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid json patch operation {op!r}")
        doc = _apply_op(doc, op)
    return doc


def _apply_op(doc: Any, op: dict[str, Any]) -> Any:
    kind, path = op["op"], str(op["path"])
    if kind == "add":
        return _add(doc, path, op.get("value"))
    if kind == "remove":
        _remove(doc, path)
        return doc
    if kind == "replace":
        _get(doc, path)
        _remove(doc, path)
        return _add(doc, path, op.get("value"))
    if kind in ("move", "copy"):
        source = str(op.get("from", ""))
        value = _remove(doc, source) if kind == "move" else clone(_get(doc, source))
        return _add(doc, path, value)
    if kind == "test":
        if _get(doc, path) != op.get("value"):
            raise _unprocessable(f"testing value {path} failed")
        return doc
    raise bad_request(f"unexpected json patch operation {kind!r}")


def strategic_merge_patch(target: Any, patch: Any, names: tuple[str, ...] = ()) -> Any:
    """Kubernetes' strategic merge: keyed lists merge by key, ``$patch: delete|replace``,
    ``$deleteFromPrimitiveList/<field>``; ``$setElementOrder`` and ``$retainKeys`` are accepted
    and ignored."""
    if not isinstance(patch, dict):
        return clone(patch)
    if patch.get("$patch") == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith(("$setElementOrder/", "$retainKeys", "$patch")):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [i for i in result.get(field) or [] if i not in (value or [])]
            continue
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_list(result[key], value, (*names, key))
        else:
            result[key] = strategic_merge_patch(result.get(key), value, (*names, key))
    return result


def _merge_list(current: list[Any], patch: list[Any], names: tuple[str, ...]) -> list[Any]:
    rule = schema.list_rule(names)
    if rule.kind == "set":
        return list(current) + [i for i in patch if i not in current]
    if rule.kind != "map" or not rule.patch_key:
        return [i for i in clone(patch) if not _is_directive(i)]
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [i for i in clone(patch) if not _is_directive(i)]
    result = list(current)
    key = rule.patch_key
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise bad_request(f"map list {'.'.join(names)} item without merge key {key!r}")
        index = next(
            (n for n, c in enumerate(result) if isinstance(c, dict) and c.get(key) == item[key]),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append(strategic_merge_patch({}, item, names))
        else:
            result[index] = strategic_merge_patch(result[index], item, names)
    return result


def _is_directive(item: Any) -> bool:
    return isinstance(item, dict) and set(item) == {"$patch"}
