"""Copying JSON objects, fast: every stored object is plain JSON (dicts, lists, scalars), so a
copy needs none of ``copy.deepcopy``'s generality, which dominated the sandbox's profile.
This module must not know what the objects mean.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

__all__ = ["clone"]

T = TypeVar("T")


def _clone(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clone(item) for item in value]
    return value


def clone(value: T) -> T:
    """A deep copy of a JSON value."""
    return cast(T, _clone(value))
