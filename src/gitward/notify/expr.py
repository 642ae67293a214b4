"""Trigger conditions in expr-lang (github.com/expr-lang/expr), as Argo CD evaluates them.

Argo CD evaluates a trigger's ``when`` and ``oncePer`` with expr-lang over ``app`` (the
Application as a map) and its function namespaces (``time``, ``strings``, ``sync``, ``repo``).
:mod:`gitward.notify.exprsyntax` parses the language; this module evaluates the tree with
nothing but the values it is given and the fixed functions of
:mod:`gitward.notify.exprfunctions`: no attribute of a Python object is ever read, no callable
is called unless it is one of those functions (or an :class:`Function` the caller put in the
environment). Predicates (``all``, ``filter``, ``map``…) loop, so every evaluation has a
budget: at most :data:`MAX_STEPS` predicate steps (one element each) and :data:`MAX_SECONDS`
spent; past either it fails, and a failing condition counts as not holding. As in expr-lang, a
missing map key is ``nil`` and a member of ``nil`` is an error unless reached with ``?.``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gitward.notify import exprfunctions as functions
from gitward.notify.exprsyntax import MAX_LENGTH, ExpressionError, Node, parse

__all__ = [
    "MAX_LENGTH",
    "MAX_SECONDS",
    "MAX_STEPS",
    "Expression",
    "ExpressionError",
    "Function",
    "compile_expression",
]

MAX_STEPS = 200_000
MAX_SECONDS = 0.5


@dataclass(frozen=True)
class Function:
    """A function the caller lends an evaluation (``repo.GetCommitMetadata`` over the app's
    repository): the only callables an environment may hold."""

    name: str
    call: Callable[..., Any]


@dataclass(frozen=True)
class Expression:
    """A parsed condition; :meth:`evaluate` it over an environment (``{"app": {...}}``)."""

    source: str
    tree: Node

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return _Evaluation(env).run(self.tree)


def compile_expression(source: str) -> Expression:
    """Parse ``source``; :class:`ExpressionError` says where it went wrong."""
    return Expression(source, parse(source))


class _Evaluation:
    """One evaluation: the environment, the variables in scope and the budget spent."""

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env
        self.scopes: list[dict[str, Any]] = []
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def run(self, node: Node) -> Any:
        return _NODES[node[0]](self, node)

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.env:
            return self.env[name]
        return functions.GLOBALS.get(name)  # as in expr-lang over a map: nil

    def scoped(self, variables: dict[str, Any], node: Node) -> Any:
        """``node`` with ``variables`` in scope: a predicate's body for one element, or a
        ``let``'s. Only these repeat work, so the budget is spent here: without them an
        evaluation is linear in the expression, which is bounded in length."""
        self.steps += 1
        if self.steps > MAX_STEPS or (self.steps % 1000 == 0 and time.monotonic() > self.deadline):
            raise ExpressionError(
                f"the expression did more than its budget ({MAX_STEPS} steps, {MAX_SECONDS}s)"
            )
        self.scopes.append(variables)
        try:
            return self.run(node)
        finally:
            self.scopes.pop()

    def each(self, items: list[Any], body: Node) -> list[Any]:
        """``body`` over every element, as ``#`` (and ``#index``)."""
        return [self.scoped({"#": item, "#index": at}, body) for at, item in enumerate(items)]


def _name(ev: _Evaluation, node: Node) -> Any:
    return ev.lookup(node[1])


def _pointer(ev: _Evaluation, node: Node) -> Any:
    for scope in reversed(ev.scopes):
        if node[1] in scope:
            return scope[node[1]]
    raise ExpressionError(f"{node[1]} is only defined inside a predicate")


def _member(ev: _Evaluation, node: Node) -> Any:
    return member(ev.run(node[1]), ev.run(node[2]), optional=node[3])


def member(holder: Any, key: Any, *, optional: bool) -> Any:
    """``holder.key`` / ``holder[key]`` over plain data, time values and function tables."""
    if type(holder) is dict:  # the common case, before the slower checks below
        return holder.get(key)
    if holder is None:
        if optional:
            return None
        raise ExpressionError(f"cannot fetch {key} from nil")
    if isinstance(holder, Mapping):
        return holder.get(key)
    if isinstance(holder, datetime | timedelta):
        return functions.method(holder, key)
    if isinstance(holder, list | str) and isinstance(key, int) and not isinstance(key, bool):
        return holder[key] if -len(holder) <= key < len(holder) else None
    raise ExpressionError(f"cannot fetch {key!r} from {type(holder).__name__}")


def _slice(ev: _Evaluation, node: Node) -> Any:
    holder = ev.run(node[1])
    start = 0 if node[2] is None else ev.run(node[2])
    end = None if node[3] is None else ev.run(node[3])
    if not isinstance(holder, list | str):
        raise ExpressionError(f"cannot slice {type(holder).__name__}")
    if not isinstance(start, int) or not (end is None or isinstance(end, int)):
        raise ExpressionError("slice bounds must be integers")
    return holder[start:end]


def _call(ev: _Evaluation, node: Node) -> Any:
    function = ev.run(node[1])
    arguments = [ev.run(argument) for argument in node[2]]
    if isinstance(function, Function):
        return function.call(*arguments)
    if not functions.is_callable(function):
        raise ExpressionError(f"{_callee(node[1])} cannot be called")
    try:
        return function(*arguments)
    except TypeError as err:
        raise ExpressionError(f"cannot call {_callee(node[1])} with {arguments!r}") from err


def _callee(node: Node) -> str:
    if node[0] == "name":
        return str(node[1])
    if node[0] == "member" and node[2][0] == "value":
        return f"{_callee(node[1])}.{node[2][1]}"
    return "this value"


def _builtin(ev: _Evaluation, node: Node) -> Any:
    name, arguments = node[1], node[2]
    if len(arguments) < 2 and name not in ("count", "sum"):
        raise ExpressionError(f"{name} takes an array and a predicate")
    items = functions.array(ev.run(arguments[0]), name)
    body = arguments[1][1] if len(arguments) > 1 else ("pointer", "#")
    extra = [ev.run(argument) for argument in arguments[2:]]
    return _PREDICATE_BUILTINS[name](ev, items, body, *extra)


def _unary(ev: _Evaluation, node: Node) -> Any:
    value = ev.run(node[2])
    if node[1] == "!":
        return not functions.truth(value)
    number = functions.number(value)
    return -number if node[1] == "-" else number


def _choice(ev: _Evaluation, node: Node) -> Any:
    return ev.run(node[2] if functions.truth(ev.run(node[1])) else node[3])


def _let(ev: _Evaluation, node: Node) -> Any:
    return ev.scoped({node[1]: ev.run(node[2])}, node[3])


def _binary(ev: _Evaluation, node: Node) -> Any:
    op = node[1]
    left = ev.run(node[2])
    if op == "&&":
        return functions.truth(left) and functions.truth(ev.run(node[3]))
    if op == "||":
        return functions.truth(left) or functions.truth(ev.run(node[3]))
    if op == "??":
        return left if left is not None else ev.run(node[3])
    return functions.operate(op, left, ev.run(node[3]))


_NODES: dict[str, Callable[[_Evaluation, Node], Any]] = {
    "value": lambda ev, node: node[1],
    "name": _name,
    "pointer": _pointer,
    "array": lambda ev, node: [ev.run(item) for item in node[1]],
    "map": lambda ev, node: {ev.run(key): ev.run(value) for key, value in node[1]},
    "member": _member,
    "slice": _slice,
    "call": _call,
    "builtin": _builtin,
    "unary": _unary,
    "if": _choice,
    "let": _let,
    "binary": _binary,
}


def _truths(ev: _Evaluation, items: list[Any], body: Node) -> list[bool]:
    return [functions.truth(value) for value in ev.each(items, body)]


def _find(ev: _Evaluation, items: list[Any], body: Node, *, last: bool) -> int:
    order = range(len(items) - 1, -1, -1) if last else range(len(items))
    for at in order:
        if functions.truth(ev.scoped({"#": items[at], "#index": at}, body)):
            return at
    return -1


def _found(ev: _Evaluation, items: list[Any], body: Node, *, last: bool) -> Any:
    at = _find(ev, items, body, last=last)
    return items[at] if at >= 0 else None


def _group(ev: _Evaluation, items: list[Any], body: Node) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for item, key in zip(items, ev.each(items, body), strict=True):
        groups.setdefault(functions.hashable(key), []).append(item)
    return groups


def _sort_by(ev: _Evaluation, items: list[Any], body: Node, order: str = "asc") -> list[Any]:
    keys = ev.each(items, body)
    try:
        pairs = sorted(zip(keys, range(len(items)), strict=True), reverse=order == "desc")
    except TypeError as err:
        raise ExpressionError("sortBy: the keys cannot be compared") from err
    return [items[at] for _, at in pairs]


def _reduce(ev: _Evaluation, items: list[Any], body: Node, *initial: Any) -> Any:
    if not items and not initial:
        raise ExpressionError("reduce of an empty array needs an initial value")
    accumulator, rest = (initial[0], items) if initial else (items[0], items[1:])
    offset = len(items) - len(rest)
    for at, item in enumerate(rest):
        variables = {"#": item, "#index": at + offset, "#acc": accumulator}
        accumulator = ev.scoped(variables, body)
    return accumulator


_PREDICATE_BUILTINS: dict[str, Callable[..., Any]] = {
    "all": lambda ev, items, body: all(_truths(ev, items, body)),
    "any": lambda ev, items, body: any(_truths(ev, items, body)),
    "none": lambda ev, items, body: not any(_truths(ev, items, body)),
    "one": lambda ev, items, body: _truths(ev, items, body).count(True) == 1,
    "filter": lambda ev, items, body: [
        item for item, keep in zip(items, _truths(ev, items, body), strict=True) if keep
    ],
    "map": lambda ev, items, body: ev.each(items, body),
    "count": lambda ev, items, body: _truths(ev, items, body).count(True),
    "sum": lambda ev, items, body: functions.total(ev.each(items, body)),
    "find": lambda ev, items, body: _found(ev, items, body, last=False),
    "findLast": lambda ev, items, body: _found(ev, items, body, last=True),
    "findIndex": lambda ev, items, body: _find(ev, items, body, last=False),
    "findLastIndex": lambda ev, items, body: _find(ev, items, body, last=True),
    "groupBy": _group,
    "sortBy": _sort_by,
    "reduce": _reduce,
}
