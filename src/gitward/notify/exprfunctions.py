"""The values trigger conditions may call and the operators' meaning: expr-lang's builtins
(``len``, ``upper``, ``split``, ``keys``, ``toJSON``…) and Argo CD's namespaces ``time``,
``strings``, ``sync`` and ``repo`` (the pure helpers; ``repo.GetCommitMetadata`` is lent by the
caller).

Sizes are bounded: no string or array an operator or builtin builds may exceed
:data:`MAX_SIZE`, and ``matches`` refuses patterns that could backtrack for long (nested
quantifiers, back-references; Go's regexp never backtracks, Python's does). Pure.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gitward.notify import exprtime
from gitward.notify.exprsyntax import ExpressionError
from gitward.notify.repourls import full_name_by_repo_url, repo_url_to_https

__all__ = [
    "GLOBALS",
    "MAX_SIZE",
    "Bound",
    "array",
    "get_info_item",
    "hashable",
    "is_callable",
    "method",
    "number",
    "operate",
    "total",
    "truth",
]

MAX_SIZE = 1_000_000
_RISKY_PATTERN = re.compile(r"\([^()]*[+*}][^()]*\)[+*{]|\\[1-9]")


def truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    raise ExpressionError(f"expected a bool, got {value!r}")


def number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | timedelta):
        raise ExpressionError(f"expected a number, got {value!r}")
    return value


def array(value: Any, where: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise ExpressionError(f"{where} takes an array, got {type(value).__name__}")


def hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else json.dumps(value)


def total(values: list[Any]) -> Any:
    return sum((number(value) for value in values), 0)


def _sized(value: Any) -> Any:
    if isinstance(value, str | list) and len(value) > MAX_SIZE:
        raise ExpressionError(f"a value grew past {MAX_SIZE} elements")
    return value


@dataclass(frozen=True)
class Bound:
    """A Go method (``t.Before``, ``d.Minutes``) bound to its time value."""

    holder: datetime | timedelta
    name: str

    def __call__(self, *arguments: Any) -> Any:
        try:
            return exprtime.METHODS[self.name](self.holder, *arguments)
        except (TypeError, ValueError, OverflowError) as err:
            raise ExpressionError(f"cannot call {self.name} with {arguments!r}") from err


def method(holder: datetime | timedelta, name: Any) -> Bound:
    """``t.Before``, ``d.Minutes``…: Go's method bound to its time value."""
    if str(name) not in exprtime.METHODS:
        raise ExpressionError(f"{type(holder).__name__} has no method {name}")
    return Bound(holder, str(name))


def is_callable(value: Any) -> bool:
    return isinstance(value, Bound) or (callable(value) and id(value) in _CALLABLE)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def _contains(holder: Any, item: Any) -> bool:
    if holder is None:
        return False
    if isinstance(holder, str):
        return isinstance(item, str) and item in holder
    if isinstance(holder, Mapping):
        return hashable(item) in holder
    if isinstance(holder, list):
        if isinstance(item, str):  # a string equals only strings: Python's own search will do
            return item in holder
        return any(_equal(item, element) for element in holder)
    raise ExpressionError(f"cannot look for {item!r} in {type(holder).__name__}")


def _matches(text: Any, pattern: Any) -> bool:
    if not isinstance(text, str) or not isinstance(pattern, str):
        raise ExpressionError("matches takes a string and a pattern")
    if len(pattern) > 256 or _RISKY_PATTERN.search(pattern):
        raise ExpressionError(
            "matches: the pattern is longer than 256 characters or nests repetitions"
        )
    try:
        return re.search(pattern, text[:MAX_SIZE]) is not None
    except re.error as err:
        raise ExpressionError(f"matches: {pattern!r} is not a regular expression: {err}") from err


def _range(low: Any, high: Any) -> list[int]:
    if not isinstance(low, int) or not isinstance(high, int):
        raise ExpressionError(".. takes two integers")
    if high - low >= MAX_SIZE:
        raise ExpressionError(f"a range may hold at most {MAX_SIZE} numbers")
    return list(range(low, high + 1))


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, str) != isinstance(right, str):
        raise ExpressionError(f"cannot add {type(left).__name__} and {type(right).__name__}")
    return _sized(left + right)


def _divide(left: Any, right: Any) -> float:
    return float(number(left)) / float(number(right))


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: _contains(b, a),
    "contains": lambda a, b: isinstance(a, str) and isinstance(b, str) and b in a,
    "startsWith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "endsWith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b),
    "matches": _matches,
    "..": _range,
    "+": _add,
    "-": lambda a, b: a - b,
    "*": lambda a, b: number(a) * number(b),
    "/": _divide,
    "%": lambda a, b: number(a) % number(b),
    "**": lambda a, b: float(number(a)) ** float(number(b)),
    "^": lambda a, b: float(number(a)) ** float(number(b)),
}


def operate(op: str, left: Any, right: Any) -> Any:
    """``left op right`` for the operators that evaluate both sides."""
    try:
        return _OPERATORS[op](left, right)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as err:
        raise ExpressionError(f"cannot apply {op} to {left!r} and {right!r}") from err


def _length(value: Any) -> int:
    if isinstance(value, str | list | Mapping):
        return len(value)
    raise ExpressionError(f"len takes a string, array or map, got {value!r}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ExpressionError(f"expected a string, got {value!r}")


def _split(text: Any, separator: Any, limit: int = -1) -> list[str]:
    parts = _text(text).split(_text(separator)) if separator else list(_text(text))
    if limit > 0 and len(parts) > limit:
        parts = [*parts[: limit - 1], _text(separator).join(parts[limit - 1 :])]
    return parts


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        return int(value.strip())
    return int(number(value))


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "<nil>"}[value]
    if isinstance(value, float):
        return repr(value).removesuffix(".0")  # Go prints 8.0 as 8
    return json.dumps(value) if isinstance(value, list | Mapping) else str(value)


def _from_base64(text: Any) -> str:
    try:
        return base64.b64decode(_text(text), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as err:
        raise ExpressionError("fromBase64: not base64-encoded text") from err


def _from_json(text: Any) -> Any:
    try:
        return json.loads(_text(text))
    except ValueError as err:
        raise ExpressionError(f"fromJSON: {err}") from err


def _flatten(items: Any) -> list[Any]:
    flat: list[Any] = []
    for item in array(items, "flatten"):
        flat.extend(_flatten(item) if isinstance(item, list) else [item])
    if len(flat) > MAX_SIZE:
        raise ExpressionError(f"a value grew past {MAX_SIZE} elements")
    return flat


def _uniq(items: Any) -> list[Any]:
    seen: list[Any] = []
    for item in array(items, "uniq"):
        if not any(_equal(item, other) for other in seen):
            seen.append(item)
    return seen


def _date(text: Any, layout: Any = None, where: Any = None) -> datetime:
    if layout is None:
        return exprtime.parse_time(text)
    return exprtime.parse_layout(text, layout, exprtime.zone(where) if where else UTC)


def _type(value: Any) -> str:
    kinds = [(bool, "bool"), (int, "int"), (float, "float"), (str, "string"), (list, "array")]
    for kind, name in kinds:
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "map"
    return "nil" if value is None else type(value).__name__


def get_info_item(app: Any, name: Any) -> str:
    """Argo CD's ``sync.GetInfoItem(app, name)``: the value of the sync operation's ``info``
    item ``name`` (``argocd app sync --info name=value``); an error when there is none."""
    app = app if isinstance(app, Mapping) else {}
    operation = app.get("operation") or (app.get("status") or {}).get("operationState", {})
    if isinstance(operation, Mapping) and "operation" in operation:
        operation = operation["operation"] or {}
    for item in (operation or {}).get("info") or []:
        if isinstance(item, Mapping) and item.get("name") == name:
            return str(item.get("value", ""))
    raise ExpressionError(f"the app's sync operation has no info item {name!r}")


def _repeat(text: Any, times: Any) -> str:
    if not isinstance(times, int) or len(_text(text)) * times > MAX_SIZE:
        raise ExpressionError(f"repeat takes a count, and makes at most {MAX_SIZE} characters")
    return _text(text) * times


def _get(holder: Any, key: Any) -> Any:
    if isinstance(holder, Mapping):
        return holder.get(key)
    if isinstance(holder, list) and isinstance(key, int) and -len(holder) <= key < len(holder):
        return holder[key]
    return None


_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": _length,
    "abs": lambda x: abs(number(x)),
    "ceil": lambda x: float(math.ceil(number(x))),
    "floor": lambda x: float(math.floor(number(x))),
    "round": lambda x: float(round(number(x))),
    "int": _to_int,
    "float": lambda x: float(x if isinstance(x, str) else number(x)),
    "string": _to_string,
    "max": lambda *xs: max(xs[0] if len(xs) == 1 else xs),
    "min": lambda *xs: min(xs[0] if len(xs) == 1 else xs),
    "mean": lambda xs: statistics.fmean(number(x) for x in array(xs, "mean")),
    "median": lambda xs: statistics.median(number(x) for x in array(xs, "median")),
    "trim": lambda s, chars=None: _text(s).strip(chars),
    "trimPrefix": lambda s, p: _text(s).removeprefix(_text(p)),
    "trimSuffix": lambda s, p: _text(s).removesuffix(_text(p)),
    "upper": lambda s: _text(s).upper(),
    "lower": lambda s: _text(s).lower(),
    "split": _split,
    "replace": lambda s, old, new: _sized(_text(s).replace(_text(old), _text(new))),
    "repeat": _repeat,
    "indexOf": lambda s, sub: _text(s).find(_text(sub)),
    "lastIndexOf": lambda s, sub: _text(s).rfind(_text(sub)),
    "hasPrefix": lambda s, p: _text(s).startswith(_text(p)),
    "hasSuffix": lambda s, p: _text(s).endswith(_text(p)),
    "keys": lambda m: list(m) if isinstance(m, Mapping) else array(m, "keys"),
    "values": lambda m: list(m.values()) if isinstance(m, Mapping) else array(m, "values"),
    "first": lambda xs: array(xs, "first")[0] if xs else None,
    "last": lambda xs: array(xs, "last")[-1] if xs else None,
    "get": _get,
    "take": lambda xs, n: array(xs, "take")[: max(0, n)],
    "reverse": lambda xs: list(reversed(array(xs, "reverse"))),
    "sort": lambda xs, order="asc": sorted(array(xs, "sort"), reverse=order == "desc"),
    "uniq": _uniq,
    "concat": lambda *xs: _sized([item for x in xs for item in array(x, "concat")]),
    "flatten": _flatten,
    "join": lambda xs, sep="": _sized(_text(sep).join(_text(x) for x in array(xs, "join"))),
    "toPairs": lambda m: [[k, v] for k, v in m.items()],
    "fromPairs": lambda xs: {hashable(k): v for k, v in array(xs, "fromPairs")},
    "toJSON": lambda x: json.dumps(x, indent=2, default=str),
    "fromJSON": _from_json,
    "toBase64": lambda s: base64.b64encode(_text(s).encode()).decode(),
    "fromBase64": _from_base64,
    "now": exprtime.now,
    "duration": exprtime.duration,
    "date": _date,
    "timezone": exprtime.zone,
    "type": _type,
}


_STRINGS: dict[str, Callable[..., Any]] = {
    "ReplaceAll": lambda s, old, new: _sized(_text(s).replace(_text(old), _text(new))),
    "ToUpper": lambda s: _text(s).upper(),
    "ToLower": lambda s: _text(s).lower(),
    "HasPrefix": lambda s, p: _text(s).startswith(_text(p)),
    "HasSuffix": lambda s, p: _text(s).endswith(_text(p)),
    "Contains": lambda s, p: _text(p) in _text(s),
    "TrimSpace": lambda s: _text(s).strip(),
}
_SYNC: dict[str, Callable[..., Any]] = {"GetInfoItem": get_info_item}
_REPO: dict[str, Callable[..., Any]] = {
    "RepoURLToHTTPS": lambda url: repo_url_to_https(_text(url)),
    "FullNameByRepoURL": lambda url: full_name_by_repo_url(_text(url)),
}

GLOBALS: dict[str, Any] = {
    **_BUILTINS,
    "time": exprtime.TIME,
    "strings": _STRINGS,
    "sync": _SYNC,
    "repo": _REPO,
}
"""Every name a condition may use besides its environment."""

_CALLABLE = {
    id(function)
    for table in (_BUILTINS, _STRINGS, _SYNC, _REPO, exprtime.TIME)
    for function in table.values()
    if callable(function)
}
