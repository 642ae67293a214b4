"""Read fields of an object dict the way health checks need them, and refuse junk politely.

Live objects come from a cluster and are usually well formed, but a check must never crash on a
field of the wrong type: these readers raise ``FieldTypeError`` naming the field, which
``gitward.health.checks`` turns into an Unknown verdict. They only read, never change, an object.
"""

from __future__ import annotations

from typing import Any

from gitward.model.objects import Manifest

__all__ = [
    "FieldTypeError",
    "annotations_of",
    "condition",
    "conditions",
    "integer",
    "mapping",
    "sequence",
    "text",
]


class FieldTypeError(ValueError):
    """A field holds a value of the wrong type; the message names the field and the value."""

    def __init__(self, path: str, expected: str, value: object) -> None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        super().__init__(f"field {path} should be {expected}, not {shown}")
        self.path = path


def _walk(obj: Manifest, path: str) -> object:
    node: object = obj
    walked: list[str] = []
    for part in path.split("."):
        if node is None:
            return None
        if not isinstance(node, dict):
            raise FieldTypeError(".".join(walked), "an object", node)
        node = node.get(part)
        walked.append(part)
    return node


def mapping(obj: Manifest, path: str) -> dict[str, Any]:
    """The object at ``path`` ("status.loadBalancer"); ``{}`` when absent or null."""
    value = _walk(obj, path)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldTypeError(path, "an object", value)
    return value


def sequence(obj: Manifest, path: str) -> list[Any]:
    """The list at ``path``; ``[]`` when absent or null."""
    value = _walk(obj, path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldTypeError(path, "a list", value)
    return value


def integer(obj: Manifest, path: str, default: int = 0) -> int:
    """The integer at ``path``; ``default`` when absent or null. Booleans are not integers."""
    value = _walk(obj, path)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldTypeError(path, "an integer", value)
    return value


def text(obj: Manifest, path: str, default: str = "") -> str:
    """The string at ``path``; ``default`` when absent or null."""
    value = _walk(obj, path)
    if value is None:
        return default
    if not isinstance(value, str):
        raise FieldTypeError(path, "a string", value)
    return value


def annotations_of(obj: Manifest) -> dict[str, str]:
    """``metadata.annotations`` with non-string values dropped."""
    found = mapping(obj, "metadata.annotations")
    return {key: value for key, value in found.items() if isinstance(value, str)}


def conditions(obj: Manifest, path: str = "status.conditions") -> list[dict[str, Any]]:
    """The conditions list; entries that are not objects are skipped."""
    return [entry for entry in sequence(obj, path) if isinstance(entry, dict)]


def condition(obj: Manifest, kind: str, path: str = "status.conditions") -> dict[str, Any] | None:
    """The first condition whose ``type`` is ``kind``, or None."""
    for entry in conditions(obj, path):
        if entry.get("type") == kind:
            return entry
    return None
