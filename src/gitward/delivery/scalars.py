"""How a new value is written in place of an old scalar, so that its YAML type stays sensible.

The rule (documented in the user guide, "From commit to production"):

1. The old value was quoted (``'…'`` or ``"…"``): the new one is a string in the same quotes.
2. The old value was a plain string (``tag: latest``): the new one stays a string. It is written
   plain when plain text reads back as that very string, else double-quoted: ``1.10``,
   ``true``, ``0x1F``, ``null``, ``yes`` or ``a: b`` become ``"1.10"`` and so on.
3. The old value was a plain number, boolean or null (``replicaCount: 1``): the new one is
   written plain when it reads back as itself, so ``3`` stays a number and ``false`` a boolean,
   else double-quoted.
4. A key created by ``--create`` holds a string (written as in rule 2).

"Reads back" means under both YAML 1.2 (ruamel) and YAML 1.1 (PyYAML; Helm's parser follows
1.1, where ``yes``, ``on`` and ``0777`` are not strings).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelError

__all__ = ["as_string", "plain_reads_back", "written"]

_STRING_TAG = "tag:yaml.org,2002:str"


def written(value: str, style: str | None, old_tag: str) -> str:
    """The text that replaces an old scalar of quoting ``style`` and resolved tag ``old_tag``."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'" if "\n" not in value else as_string(value)
    if style == '"':
        return _double_quoted(value)
    if old_tag == _STRING_TAG:
        return as_string(value)
    return value if _reads_back_as_itself(value) else _double_quoted(value)


def as_string(value: str) -> str:
    """``value`` as a YAML string: plain when that reads back as the same string."""
    return value if plain_reads_back(value) else _double_quoted(value)


def plain_reads_back(value: str) -> bool:
    """Whether ``value`` written plain reads back as the string ``value`` under YAML 1.2 and 1.1."""
    if not value or value != value.strip() or "\n" in value or "#" in value:
        return False
    return _load_12(value) == (True, value) and _load_11(value) == (True, value)


def _reads_back_as_itself(value: str) -> bool:
    """Whether plain ``value`` is one scalar that both YAML versions read alike."""
    if not value or value != value.strip() or "\n" in value or "#" in value:
        return False
    first, second = _load_12(value), _load_11(value)
    return (
        first[0] and second[0] and first[1] == second[1] and not isinstance(first[1], dict | list)
    )


def _double_quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _load_12(text: str) -> tuple[bool, Any]:
    try:
        return True, YAML(typ="safe", pure=True).load(text)
    except RuamelError:
        return False, None


def _load_11(text: str) -> tuple[bool, Any]:
    try:
        return True, yaml.safe_load(text)
    except yaml.YAMLError:
        return False, None
