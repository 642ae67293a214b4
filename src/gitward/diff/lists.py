"""Which elements of two lists are "the same element": Kubernetes' list merge keys.

The API server merges ``containers`` by ``name``, container ``ports`` by ``containerPort`` and
``protocol``, ``volumeMounts`` by ``mountPath`` (the strategic-merge and server-side-apply
keys). Comparing such lists by position would report drift when a webhook injects a sidecar or
Git reorders containers, so the diff engine pairs their elements by key instead. Lists without
a known key, or whose elements do not all carry it, are paired by position.
Pure functions over plain lists; no Kubernetes types.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Final

__all__ = ["SET_LISTS", "ElementKey", "element_key", "pair_elements"]

ElementKey = Callable[[Any], Hashable]
"""The identity of one list element under a merge key."""

_BY_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "hostAliases": ("ip",),
    "resourceClaims": ("name",),
    "ownerReferences": ("uid",),
    "conditions": ("type",),
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
    "readinessGates": ("conditionType",),
}

SET_LISTS: Final = frozenset({"finalizers"})
"""Lists of scalars merged as sets: elements other writers add are theirs, not drift."""

_PORT_FIELDS: Final = ("containerPort", "port")


def element_key(field: str | int | None, *lists: Sequence[Any]) -> ElementKey | None:
    """The key pairing elements of the list stored under ``field``, if every element of every
    given list carries it and no list repeats a key; else None (pair by position)."""
    if not isinstance(field, str):
        return None
    elements = [element for items in lists for element in items]
    if not elements or not all(isinstance(element, dict) for element in elements):
        return None
    key = _key_for(field, elements)
    if key is None:
        return None
    for items in lists:
        keys = [key(element) for element in items]
        if len(set(keys)) != len(keys):
            return None
    return key


def _key_for(field: str, elements: list[dict[str, Any]]) -> ElementKey | None:
    if field == "ports":
        for name in _PORT_FIELDS:
            if all(name in element for element in elements):
                return _port_key(name)
        return None
    if field == "volumeClaimTemplates":
        if all(isinstance(element.get("metadata"), dict) for element in elements):
            return _claim_template_key
        return None
    names = _BY_FIELDS.get(field)
    if names is None or not all(name in element for element in elements for name in names):
        return None
    return _fields_key(names)


def _fields_key(names: tuple[str, ...]) -> ElementKey:
    def key(element: Any) -> Hashable:
        return tuple(_hashable(element.get(name)) for name in names)

    return key


def _port_key(name: str) -> ElementKey:
    def key(element: Any) -> Hashable:
        return (_hashable(element.get(name)), element.get("protocol") or "TCP")

    return key


def _claim_template_key(element: Any) -> Hashable:
    metadata = element.get("metadata") if isinstance(element, dict) else None
    return _hashable(metadata.get("name")) if isinstance(metadata, dict) else None


def _hashable(value: Any) -> Hashable:
    if isinstance(value, dict | list):
        return repr(value)
    return str(value) if value is not None else None


def pair_elements(
    field: str | int | None, left: Sequence[Any], right: Sequence[Any]
) -> list[tuple[int | None, int | None]]:
    """Index pairs ``(i, j)`` of elements that correspond, left order first, then the right-only
    elements; ``None`` marks a side that has no such element."""
    key = element_key(field, left, right)
    if key is None:
        width = max(len(left), len(right))
        return [(i if i < len(left) else None, i if i < len(right) else None) for i in range(width)]
    right_at = {key(element): j for j, element in enumerate(right)}
    pairs: list[tuple[int | None, int | None]] = []
    seen: set[int] = set()
    for i, element in enumerate(left):
        j = right_at.get(key(element))
        pairs.append((i, j))
        if j is not None:
            seen.add(j)
    pairs.extend((None, j) for j in range(len(right)) if j not in seen)
    return pairs
