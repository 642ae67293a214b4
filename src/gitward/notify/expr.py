"""Trigger conditions: the subset of expr-lang (github.com/expr-lang/expr) Argo CD's triggers use.

Argo CD evaluates a trigger's ``when`` with expr-lang over ``app`` (the Application as a map)
and a few function namespaces (``time``, ``strings``). This module parses that language into a
small tree and evaluates it with nothing but the values it is given: there is no attribute
access on Python objects, no call other than the fixed functions below, and no loop construct,
so an evaluation costs time linear in the expression and the data it compares. Expressions are
limited in length and nesting.

Supported: literals (numbers, ``'…'``/``"…"`` strings, ``true``, ``false``, ``nil``, arrays
``[a, b]``); member access ``a.b``, ``a?.b``, ``a['b']``, ``a[0]``; calls of ``len``, ``now``,
``time.Now``, ``time.Parse``, ``time.ParseDuration``, ``strings.*``, and Go's time methods
``Before``, ``After``, ``Equal``, ``Sub``, ``Add``, ``Unix``, ``Hours``, ``Minutes``,
``Seconds``; ``!``/``not``, unary ``-``; ``* / % + -``;
``< <= > >=``; ``== !=``; ``in``, ``not in``, ``contains``, ``startsWith``, ``endsWith``,
``matches``; ``&&``/``and``; ``||``/``or``; ``??``; ``c ? a : b``. As in expr-lang, a missing
map key is ``nil`` and a member of ``nil`` is an error unless reached with ``?.``.
It must not evaluate anything it was not given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gitward.errors import ConfigError

__all__ = ["Expression", "ExpressionError", "compile_expression"]

MAX_LENGTH = 4096
MAX_DEPTH = 64

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<op>\?\?|\?\.|&&|\|\||==|!=|<=|>=|[!<>+\-*/%()\[\],.?:])
    )""",
    re.VERBOSE,
)
_WORD_OPS = {"and": "&&", "or": "||", "not": "!"}
_BINARY = {
    "??": 1,
    "||": 2,
    "&&": 3,
    "==": 4,
    "!=": 4,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "in": 5,
    "not in": 5,
    "contains": 5,
    "startsWith": 5,
    "endsWith": 5,
    "matches": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
    "%": 7,
}


class ExpressionError(ConfigError):
    """A condition that cannot be parsed, or that fails on the data it was given."""


Node = tuple[Any, ...]


@dataclass(frozen=True)
class Expression:
    """A parsed condition; :meth:`evaluate` it over an environment (``{"app": {...}}``)."""

    source: str
    tree: Node

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return _evaluate(self.tree, env)


def compile_expression(source: str) -> Expression:
    """Parse ``source``; :class:`ExpressionError` says where it went wrong."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokens(source), source)
    tree = parser.expression(0)
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()!r} in {source!r}")
    return Expression(source, tree)


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(source):
        if not source[at:].strip():
            break
        match = _TOKEN.match(source, at)
        if match is None or match.end() == at:
            raise ExpressionError(f"unexpected {source[at:].strip()[:10]!r} in {source!r}")
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "name" and text in _WORD_OPS:
            kind, text = "op", _WORD_OPS[text]
        tokens.append((kind, text))
        at = match.end()
    return _join_not_in(tokens)


def _join_not_in(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    joined: list[tuple[str, str]] = []
    for token in tokens:
        if token == ("name", "in") and joined and joined[-1] == ("op", "!") and len(joined) > 1:
            joined[-1] = ("op", "not in")
        elif token[0] == "name" and token[1] in _BINARY:
            joined.append(("op", token[1]))
        else:
            joined.append(token)
    return joined


class _Parser:
    """Precedence climbing over the token list."""

    def __init__(self, tokens: list[tuple[str, str]], source: str) -> None:
        self.tokens = tokens
        self.at = 0
        self.source = source
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ExpressionError(f"{self.source!r} ends too early")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, got {token[1]!r} in {self.source!r}")
        self.at += 1
        return token

    def expression(self, floor: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"{self.source!r} nests deeper than {MAX_DEPTH}")
        left = self.unary()
        while True:
            op = self.peek()
            kind = self.tokens[self.at][0] if op is not None else ""
            if op == "?" and floor == 0:
                self.take()
                yes = self.expression(0)
                self.take(":")
                left = ("if", left, yes, self.expression(0))
                continue
            if kind != "op" or op not in _BINARY or _BINARY[op] < floor:
                break
            self.take()
            left = ("binary", op, left, self.expression(_BINARY[op] + 1))
        self.depth -= 1
        return left

    def unary(self) -> Node:
        if self.peek() in ("!", "-") and self.tokens[self.at][0] == "op":
            op = self.take()[1]
            return ("unary", op, self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("value", float(text) if "." in text else int(text))
        if kind == "string":
            return ("value", _unquote(text))
        if kind == "name":
            constants = {"true": True, "false": False, "nil": None}
            return ("value", constants[text]) if text in constants else ("name", text)
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        if text == "[":
            return ("array", self.items("]"))
        raise ExpressionError(f"unexpected {text!r} in {self.source!r}")

    def items(self, closing: str) -> tuple[Node, ...]:
        found: list[Node] = []
        while self.peek() != closing:
            found.append(self.expression(0))
            if self.peek() != closing:
                self.take(",")
        self.take(closing)
        return tuple(found)

    def postfix(self, node: Node) -> Node:
        while self.peek() in (".", "?.", "[", "("):
            op = self.take()[1]
            if op in (".", "?."):
                node = ("member", node, ("value", self.take()[1]), op == "?.")
            elif op == "[":
                index = self.expression(0)
                self.take("]")
                node = ("member", node, index, False)
            else:
                node = ("call", node, self.items(")"))
        return node


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _evaluate(node: Node, env: Mapping[str, Any]) -> Any:
    return _NODES[node[0]](node, env)


def _name(node: Node, env: Mapping[str, Any]) -> Any:
    return env[node[1]] if node[1] in env else _NAMESPACES.get(node[1])


def _unary(node: Node, env: Mapping[str, Any]) -> Any:
    value = _evaluate(node[2], env)
    return (not _truth(value)) if node[1] == "!" else -_number(value)


def _choice(node: Node, env: Mapping[str, Any]) -> Any:
    return _evaluate(node[2] if _truth(_evaluate(node[1], env)) else node[3], env)


_NODES: dict[str, Callable[[Node, Mapping[str, Any]], Any]] = {
    "value": lambda node, env: node[1],
    "name": _name,
    "array": lambda node, env: [_evaluate(item, env) for item in node[1]],
    "member": lambda node, env: _member(
        _evaluate(node[1], env), _evaluate(node[2], env), optional=node[3]
    ),
    "call": lambda node, env: _call(node, env),  # noqa: PLW0108 (defined below)
    "unary": _unary,
    "if": _choice,
    "binary": lambda node, env: _binary(node[1], node[2], node[3], env),
}


def _member(holder: Any, key: Any, *, optional: bool) -> Any:
    if holder is None:
        if optional:
            return None
        raise ExpressionError(f"cannot fetch {key} from nil")
    if isinstance(holder, Mapping):
        return holder.get(key)
    if isinstance(holder, datetime | timedelta) and key in _METHODS:
        return _Method(holder, str(key))
    if isinstance(holder, list) and isinstance(key, int):
        return holder[key] if -len(holder) <= key < len(holder) else None
    raise ExpressionError(f"cannot fetch {key!r} from {type(holder).__name__}")


@dataclass(frozen=True)
class _Method:
    """A Go time method (``t.Before(u)``, ``d.Hours()``) bound to its value."""

    holder: datetime | timedelta
    name: str

    def __call__(self, *arguments: Any) -> Any:
        method = _METHODS[self.name]
        try:
            return method(self.holder, *arguments)
        except TypeError as err:
            raise ExpressionError(f"cannot call {self.name} with {arguments!r}") from err


def _call(node: Node, env: Mapping[str, Any]) -> Any:
    function = _evaluate(node[1], env)
    if isinstance(function, _Method):
        return function(*[_evaluate(argument, env) for argument in node[2]])
    if not callable(function) or function not in _FUNCTIONS:
        raise ExpressionError("only len, now, time.* and strings.* can be called")
    return function(*[_evaluate(argument, env) for argument in node[2]])


def _binary(op: str, left_node: Node, right_node: Node, env: Mapping[str, Any]) -> Any:
    left = _evaluate(left_node, env)
    if op == "&&":
        return _truth(left) and _truth(_evaluate(right_node, env))
    if op == "||":
        return _truth(left) or _truth(_evaluate(right_node, env))
    if op == "??":
        return left if left is not None else _evaluate(right_node, env)
    right = _evaluate(right_node, env)
    try:
        return _OPERATORS[op](left, right)
    except (TypeError, ValueError, ZeroDivisionError) as err:
        raise ExpressionError(f"cannot apply {op} to {left!r} and {right!r}") from err


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    raise ExpressionError(f"expected a bool, got {value!r}")


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | timedelta):
        raise ExpressionError(f"expected a number, got {value!r}")
    return value


def _contains(holder: Any, item: Any) -> bool:
    if holder is None:
        return False
    if isinstance(holder, str):
        return isinstance(item, str) and item in holder
    if isinstance(holder, Mapping | list):
        return item in holder
    raise ExpressionError(f"cannot look for {item!r} in {holder!r}")


def _matches(text: Any, pattern: Any) -> bool:
    if not isinstance(text, str) or not isinstance(pattern, str) or len(pattern) > 256:
        raise ExpressionError("matches takes a string and a pattern (at most 256 characters)")
    return re.search(pattern, text) is not None


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: _contains(b, a),
    "not in": lambda a, b: not _contains(b, a),
    "contains": lambda a, b: _contains(a, b) if isinstance(a, str) else False,
    "startsWith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "endsWith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b),
    "matches": _matches,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: _number(a) * _number(b),
    "/": lambda a, b: _number(a) / _number(b),
    "%": lambda a, b: _number(a) % _number(b),
}


def _parse_time(text: Any) -> datetime:
    if not isinstance(text, str):
        raise ExpressionError(f"time.Parse takes an RFC 3339 string, got {text!r}")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ExpressionError(f"time.Parse: {text!r} is not RFC 3339") from err


def _now() -> datetime:
    return datetime.now(UTC)


def _length(value: Any) -> int:
    if isinstance(value, str | list | Mapping):
        return len(value)
    raise ExpressionError(f"len takes a string, array or map, got {value!r}")


def _duration(text: Any) -> timedelta:
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise ExpressionError(f"time.ParseDuration: {text!r} is not a duration like 1h30m")
    return timedelta(seconds=sum(float(n) * units[u] for n, u in parts))


_METHODS: dict[str, Callable[..., Any]] = {
    "Before": lambda t, u: t < u,
    "After": lambda t, u: t > u,
    "Equal": lambda t, u: t == u,
    "Sub": lambda t, u: t - u,
    "Add": lambda t, d: t + d,
    "Unix": lambda t: int(t.timestamp()),
    "Hours": lambda d: d.total_seconds() / 3600,
    "Minutes": lambda d: d.total_seconds() / 60,
    "Seconds": lambda d: d.total_seconds(),
}
_TIME: dict[str, Callable[..., Any]] = {
    "Now": _now,
    "Parse": _parse_time,
    "ParseDuration": _duration,
}
_STRINGS: dict[str, Callable[..., Any]] = {
    "ReplaceAll": lambda s, old, new: str(s).replace(str(old), str(new)),
    "ToUpper": lambda s: str(s).upper(),
    "ToLower": lambda s: str(s).lower(),
    "HasPrefix": lambda s, p: str(s).startswith(str(p)),
    "HasSuffix": lambda s, p: str(s).endswith(str(p)),
    "Contains": lambda s, p: str(p) in str(s),
}
_NAMESPACES: dict[str, Any] = {"time": _TIME, "strings": _STRINGS, "len": _length, "now": _now}
_FUNCTIONS: Sequence[Any] = [*_TIME.values(), *_STRINGS.values(), _length, _now]
