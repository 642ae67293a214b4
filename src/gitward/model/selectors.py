"""Kubernetes label selectors as the app list's ``selector`` parameter and Argo CD's
notification subscriptions spell them: ``env=dev,tier!=web,team,!legacy`` and set forms
``env in (dev,staging)``, ``env notin (prod)``.

Parsing only: the result is a predicate over an app's labels. A malformed selector is a
``ConfigError`` naming where it was written (by default the API's ``selector`` parameter: 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from gitward.errors import ConfigError, Location

__all__ = ["parse_selector"]

Predicate = Callable[[Mapping[str, str]], bool]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_EQUALS = re.compile(rf"^(?P<key>{_KEY})\s*(?P<op>==|!=|=)\s*(?P<value>{_VALUE})$")
_SET = re.compile(rf"^(?P<key>{_KEY})\s+(?P<op>in|notin)\s+\((?P<values>[^()]*)\)$")
_EXISTS = re.compile(rf"^(?P<neg>!?)\s*(?P<key>{_KEY})$")


_QUERY = Location(obj="query", field="selector")


def parse_selector(text: str, where: Location = _QUERY) -> Predicate:
    """A predicate that holds for labels matching every requirement of ``text``."""
    requirements = [_requirement(part.strip(), where) for part in _split(text) if part.strip()]
    return lambda labels: all(check(labels) for check in requirements)


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _requirement(part: str, where: Location) -> Predicate:
    if found := _SET.match(part):
        key, values = found["key"], {v.strip() for v in found["values"].split(",") if v.strip()}
        if found["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if found := _EQUALS.match(part):
        key, value = found["key"], found["value"]
        if found["op"] == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if found := _EXISTS.match(part):
        key, negated = found["key"], bool(found["neg"])
        return lambda labels: (key in labels) != negated
    raise ConfigError(
        f"{part!r} is not a label selector requirement",
        where=where,
        hint="write key=value, key!=value, key, !key, key in (a,b) or key notin (a,b), "
        "separated by commas",
    )
