"""expr-lang's syntax (github.com/expr-lang/expr, which Argo CD's triggers are written in),
parsed into a small tree of tuples that :mod:`gitward.notify.expr` evaluates.

The grammar and the operators' precedence are expr-lang's: ``let x = …; body``, ``c ? a : b``,
``||``/``or`` < ``&&``/``and`` < comparisons, ``in``, ``matches``, ``contains``,
``startsWith``, ``endsWith`` (each also with ``not``) < ``..`` < ``+ -`` < ``* / %`` <
``** ^`` < ``??``; unary ``! not - +``; pipes ``a | f(b)`` (``f(a, b)``); members ``a.b``,
``a?.b``, ``a[i]``, ``a?.[i]``, slices ``a[i:j]``; literals (numbers, strings in ``'…'``,
``"…"`` or backquotes, ``true``, ``false``, ``nil``, arrays, maps ``{k: v}``); and the
builtins that take a predicate (``all``, ``any``, ``none``, ``one``, ``filter``, ``map``,
``count``, ``find``…), whose predicate is ``{…}`` or a bare expression over ``#``, ``.field``
and ``#index``. Expressions are limited in length and nesting. It must not evaluate anything.
"""

from __future__ import annotations

import re
from typing import Any

from gitward.errors import ConfigError

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "PREDICATES", "ExpressionError", "Node", "parse"]

MAX_LENGTH = 4096
MAX_DEPTH = 64

Node = tuple[Any, ...]

PREDICATES = frozenset(
    {
        "all",
        "any",
        "none",
        "one",
        "filter",
        "map",
        "count",
        "sum",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "groupBy",
        "sortBy",
        "reduce",
    }
)
"""Builtins whose second argument is a predicate, evaluated per element."""

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)
    | (?P<pointer>\#[A-Za-z]*)
    | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<op>\?\?|\?\.|&&|\|\||==|!=|<=|>=|\*\*|\.\.|[!<>+\-*/%^()\[\]{},.?:;|=])
    )""",
    re.VERBOSE,
)
_WORD_OPS = {"and": "&&", "or": "||", "not": "!"}
_WORDS = frozenset({"in", "contains", "startsWith", "endsWith", "matches"})
_BINARY = {
    "||": 10,
    "&&": 15,
    "==": 20,
    "!=": 20,
    "<": 20,
    "<=": 20,
    ">": 20,
    ">=": 20,
    **dict.fromkeys(_WORDS, 20),
    "..": 25,
    "+": 30,
    "-": 30,
    "*": 60,
    "/": 60,
    "%": 60,
    "**": 100,
    "^": 100,
    "??": 500,
}
_RIGHT = frozenset({"**", "^"})
_UNARY = {"!": 50, "-": 90, "+": 90}
_CONSTANTS = {"true": True, "false": False, "nil": None}


class ExpressionError(ConfigError):
    """A condition that cannot be parsed, or that fails on the data it was given."""


def parse(source: str) -> Node:
    """The tree of ``source``; :class:`ExpressionError` says where it went wrong."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokens(source), source)
    tree = parser.expression(0)
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected {parser.peek()!r} in {source!r}")
    return tree


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
        elif kind == "name" and text in _WORDS:
            kind = "op"
        tokens.append((kind, text))
        at = match.end()
    return tokens


class _Parser:
    """Precedence climbing over the token list, as expr-lang's parser does."""

    def __init__(self, tokens: list[tuple[str, str]], source: str) -> None:
        self.tokens = tokens
        self.at = 0
        self.source = source
        self.depth = 0

    def peek(self, ahead: int = 0) -> str | None:
        at = self.at + ahead
        return self.tokens[at][1] if at < len(self.tokens) else None

    def kind(self, ahead: int = 0) -> str:
        at = self.at + ahead
        return self.tokens[at][0] if at < len(self.tokens) else ""

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
        if floor == 0 and self.peek() == "let" and self.kind() == "name":
            left = self.let()
        else:
            left = self.binary(self.unary(), floor)
        if floor == 0 and self.peek() == "?" and self.kind() == "op":
            self.take()
            yes = self.expression(0)
            self.take(":")
            left = ("if", left, yes, self.expression(0))
        self.depth -= 1
        return left

    def let(self) -> Node:
        self.take("let")
        kind, name = self.take()
        if kind != "name":
            raise ExpressionError(f"let needs a name, got {name!r} in {self.source!r}")
        self.take("=")
        value = self.expression(0)
        self.take(";")
        return ("let", name, value, self.expression(0))

    def binary(self, left: Node, floor: int) -> Node:
        while self.kind() == "op":
            op, negated = self.peek() or "", False
            if op == "!" and self.peek(1) in _WORDS:
                op, negated = self.peek(1) or "", True
            if op == "|" and floor == 0:
                self.take()
                left = self.pipe(left)
                continue
            if op not in _BINARY or _BINARY[op] < floor:
                break
            self.take()
            if negated:
                self.take()
            step = 0 if op in _RIGHT else 1
            right = self.binary(self.unary(), _BINARY[op] + step)
            left = ("binary", op, left, right)
            if negated:
                left = ("unary", "!", left)
        return left

    def pipe(self, left: Node) -> Node:
        kind, name = self.take()
        if kind != "name" or self.peek() != "(":
            raise ExpressionError(f"a pipe needs a call after it, got {name!r} in {self.source!r}")
        self.take("(")
        return self.postfix(self.call(name, (left,)))

    def unary(self) -> Node:
        if self.kind() == "op" and self.peek() in _UNARY:
            op = self.take()[1]
            return ("unary", op, self.binary(self.unary(), _UNARY[op]))
        return self.postfix(self.primary())

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return ("value", _number(text))
        if kind == "string":
            return ("value", _unquote(text))
        if kind == "pointer":
            return ("pointer", text)
        if kind == "name":
            return self._named(text)
        return self._bracketed(text)

    def _named(self, text: str) -> Node:
        if text in _CONSTANTS:
            return ("value", _CONSTANTS[text])
        if self.peek() == "(" and text in PREDICATES:
            self.take("(")
            return self.call(text, ())
        return ("name", text)

    def _bracketed(self, text: str) -> Node:
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        if text == "[":
            return ("array", self.items("]"))
        if text == "{":
            return ("map", self.pairs())
        if text == ".":  # ``.field`` inside a predicate: a member of ``#``
            return ("member", ("pointer", "#"), ("value", self.take()[1]), False)
        raise ExpressionError(f"unexpected {text!r} in {self.source!r}")

    def call(self, name: str, given: tuple[Node, ...]) -> Node:
        """The arguments of ``name(`` (opening parenthesis taken); ``given`` came by pipe."""
        found = list(given)
        while self.peek() != ")":
            if name in PREDICATES and len(found) == 1:
                found.append(("closure", self.closure()))
            else:
                found.append(self.expression(0))
            if self.peek() != ")":
                self.take(",")
        self.take(")")
        if name in PREDICATES:
            return ("builtin", name, tuple(found))
        return ("call", ("name", name), tuple(found))

    def closure(self) -> Node:
        if self.peek() == "{":
            self.take("{")
            body = self.expression(0)
            self.take("}")
            return body
        return self.expression(0)

    def items(self, closing: str) -> tuple[Node, ...]:
        found: list[Node] = []
        while self.peek() != closing:
            found.append(self.expression(0))
            if self.peek() != closing:
                self.take(",")
        self.take(closing)
        return tuple(found)

    def pairs(self) -> tuple[tuple[Node, Node], ...]:
        found: list[tuple[Node, Node]] = []
        while self.peek() != "}":
            kind, text = self.take()
            if kind in ("name", "number", "string"):
                key: Node = ("value", _unquote(text) if kind == "string" else text)
            elif text == "(":
                key = self.expression(0)
                self.take(")")
            else:
                raise ExpressionError(f"unexpected map key {text!r} in {self.source!r}")
            self.take(":")
            found.append((key, self.expression(0)))
            if self.peek() != "}":
                self.take(",")
        self.take("}")
        return tuple(found)

    def postfix(self, node: Node) -> Node:
        while self.peek() in (".", "?.", "[", "(") and self.kind() == "op":
            op = self.take()[1]
            if op == "?." and self.peek() == "[":
                self.take("[")
                node = self.index(node, optional=True)
            elif op in (".", "?."):
                node = ("member", node, ("value", self.take()[1]), op == "?.")
            elif op == "[":
                node = self.index(node, optional=False)
            elif node[0] == "name":
                node = self.call(node[1], ())
            else:
                node = ("call", node, self.items(")"))
        return node

    def index(self, node: Node, *, optional: bool) -> Node:
        start = None if self.peek() == ":" else self.expression(0)
        if self.peek() == ":":
            self.take(":")
            end = None if self.peek() == "]" else self.expression(0)
            self.take("]")
            return ("slice", node, start, end)
        self.take("]")
        return ("member", node, start, optional)


def _number(text: str) -> int | float:
    clean = text.replace("_", "")
    if clean[:2].lower() == "0x":
        return int(clean, 16)
    if any(mark in clean for mark in ".eE"):
        return float(clean)
    return int(clean)


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    body = text[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)
