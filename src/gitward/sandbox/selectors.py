"""Label and field selectors as list and watch requests send them in the query string.

Label selectors support ``=``, ``==``, ``!=``, ``in``, ``notin``, ``key`` and ``!key``; field
selectors ``=``, ``==`` and ``!=`` on ``metadata.name``, ``metadata.namespace`` and a few
per-kind fields (``status.phase``, ``spec.nodeName`` for pods; ``type`` for secrets and events'
``involvedObject.*``). A malformed selector is a 400, as on a real server. Also turns a
``LabelSelector`` object (``matchLabels``/``matchExpressions``) into a predicate for controllers.
This module must not touch storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gitward.sandbox.status import bad_request

__all__ = [
    "FIELD_LABELS",
    "Predicate",
    "field_selector",
    "label_selector",
    "matches_label_selector_object",
]

Predicate = Callable[[dict[str, Any]], bool]

_SET_TERM = re.compile(r"^\s*(!?)([A-Za-z0-9._/-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_TERM = re.compile(r"^\s*([A-Za-z0-9._/-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)\s*$")

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "Pod": ("status.phase", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName"),
    "Secret": ("type",),
    "Event": (
        "involvedObject.kind",
        "involvedObject.name",
        "involvedObject.namespace",
        "involvedObject.uid",
        "reason",
        "type",
    ),
    "Namespace": ("status.phase",),
}


def _split_terms(text: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current)
    return terms


def _label_term(term: str) -> Predicate:
    eq = _EQ_TERM.match(term)
    if eq:
        key, op, value = eq.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    found = _SET_TERM.match(term)
    if not found:
        raise bad_request(f"unable to parse requirement: invalid label selector term {term!r}")
    negated, key, op, raw_values = found.groups()
    values = {v.strip() for v in (raw_values or "").split(",") if v.strip()}
    if op == "in":
        return lambda labels: labels.get(key) in values
    if op == "notin":
        return lambda labels: labels.get(key) not in values
    if negated:
        return lambda labels: key not in labels
    return lambda labels: key in labels


def label_selector(text: str | None) -> Predicate:
    """A predicate over whole objects for a ``labelSelector`` query value."""
    if not text or not text.strip():
        return lambda obj: True
    terms = [_label_term(t) for t in _split_terms(text)]

    def matches(obj: dict[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(term(labels) for term in terms)

    return matches


def _field_value(obj: dict[str, Any], dotted: str) -> str:
    node: Any = obj
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return "" if node is None else str(node)


def field_selector(text: str | None, kind: str) -> Predicate:
    """A predicate for a ``fieldSelector`` query value; unknown fields are a 400."""
    if not text or not text.strip():
        return lambda obj: True
    allowed = {"metadata.name", "metadata.namespace", *FIELD_LABELS.get(kind, ())}
    checks: list[tuple[str, bool, str]] = []
    for term in _split_terms(text):
        found = _EQ_TERM.match(term)
        if not found:
            raise bad_request(f"invalid field selector term {term!r}")
        key, op, value = found.groups()
        if key not in allowed:
            raise bad_request(f'field label not supported: "{key}"')
        checks.append((key, op == "!=", value))

    def matches(obj: dict[str, Any]) -> bool:
        return all((_field_value(obj, key) == value) != negated for key, negated, value in checks)

    return matches


def matches_label_selector_object(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Whether ``labels`` satisfy a ``LabelSelector`` object; an empty selector matches all."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = set(expr.get("values") or [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True
