"""Composed YAML nodes -> Python values, fast, for the plain documents Kubernetes objects are.

PyYAML's constructor is general (generators for recursive structures, a method lookup per node)
and was half the CPU of rendering a Helm chart. Rendered manifests almost never use what needs
that generality, so :func:`plain_value` builds mappings, sequences and the standard scalars
directly, and gives up (returns ``None`` with ``ok`` False) on anything else: a merge key
(``<<``), a tag other than the core schema's, or a key that is not a scalar. The caller then uses
PyYAML's constructor, so the result is the same either way. Aliases are handled by the caller
too (it checks them for alias bombs first). Timestamps are not resolved (the loader reads them
as strings, as Go's YAML does) and non-string keys become strings as Go spells them.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["plain_value"]

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALARS = frozenset(
    {
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    }
)


class _NotPlainError(Exception):
    """The document needs PyYAML's own constructor."""


def plain_value(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> tuple[bool, Any]:
    """``(True, value)`` for a plain document, ``(False, None)`` when the caller must construct
    it with ``loader`` (whose scalar constructors are used for ints, floats, booleans, nulls)."""
    try:
        return True, _value(loader, node)
    except _NotPlainError:
        return False, None


def _value(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP:
        return _mapping(loader, node)
    if tag == _SEQ:
        return [_value(loader, item) for item in node.value]
    if tag in _SCALARS and isinstance(node, yaml.ScalarNode):
        return loader.yaml_constructors[tag](loader, node)
    raise _NotPlainError


def _mapping(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_tag = key_node.tag
        if key_tag == _STR:
            key = key_node.value
        elif key_tag in _SCALARS and isinstance(key_node, yaml.ScalarNode):
            key = _key_text(loader.yaml_constructors[key_tag](loader, key_node))
        else:
            raise _NotPlainError  # a merge key, or a key that is a mapping or sequence
        data[key] = _value(loader, value_node)
    return data


def _key_text(key: object) -> str:
    """How Go's YAML-to-JSON conversion spells a non-string key."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)
