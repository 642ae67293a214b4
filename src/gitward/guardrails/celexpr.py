"""Common Expression Language as Kubernetes admission evaluates it, bounded.

Built on ``cel-expr-python`` (Google's C++ CEL runtime, the reference implementation family
that Kubernetes' own cel-go belongs to): it compiles once and evaluates in microseconds, and ships
the strings, optional-syntax, math, base64 and ``cel.bind`` extensions that Kubernetes enables.
See docs/architecture.md for the comparison with the other CEL libraries.

CEL has no loops of its own, but comprehensions over big lists multiply: an expression's cost is
bounded before it runs (the biggest list in its input raised to its comprehension nesting), and
a whole check has a deadline. Both turn into evaluation errors, which the policy's
failurePolicy judges.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from cel_expr_python import cel
from cel_expr_python.ext import ext_bindings, ext_encoders, ext_math, ext_optional, ext_strings

__all__ = ["COST_LIMIT", "CelError", "Compiled", "activation", "compile_expression", "plain"]

COST_LIMIT = 10_000_000
"""Kubernetes' per-expression runtime cost limit (``PerCallLimit``) is 1,000,000 units; the
static estimate here is coarser, so it is ten times as generous."""
MAX_EXPRESSION = 5_000
_VARIABLES = ("object", "oldObject", "request", "namespaceObject", "variables", "params")
_MACROS = re.compile(
    r"\.\s*(all|exists|exists_one|existsOne|map|filter|transformList|transformMap)\s*\("
)


class CelError(Exception):
    """An expression that does not compile, fails, or would cost too much."""


@dataclass(frozen=True)
class Compiled:
    """One compiled expression and its nesting of comprehensions (for the cost bound)."""

    text: str
    program: Any
    nesting: int

    def evaluate(self, data: Any, widest: int) -> Any:
        """The plain Python value of the expression over ``data`` (a mapping, or an
        :func:`activation`); ``widest`` is the length of the biggest list in the data."""
        cost = max(widest, 1) ** max(self.nesting, 1)
        if cost > COST_LIMIT:
            raise CelError(
                f"expression would cost about {cost:,} (a list of {widest} items, "
                f"{self.nesting} nested comprehensions); the limit is {COST_LIMIT:,}"
            )
        try:
            if isinstance(data, Mapping):
                value = self.program.eval(data=dict(data))
            else:
                value = self.program.eval(activation=data)
        except Exception as err:  # the binding raises RuntimeError and others
            raise CelError(str(err)) from err
        if value.type() == cel.Type.ERROR:
            raise CelError(str(value.value()))
        return value.plain_value()


def _kubernetes_lists() -> list[Any]:
    """Kubernetes' CEL lists library: ``isSorted()``, ``sum()``, ``min()``, ``max()`` (a failure,
    such as ``min()`` of an empty list, is an evaluation error)."""
    of_any = cel.Type.List(cel.Type.DYN)

    def member(name: str, result: Any, impl: Any) -> Any:
        overload = cel.Overload(f"list_{name}", result, [of_any], is_member=True, impl=impl)
        return cel.FunctionDecl(name, [overload])

    return [
        member("isSorted", cel.Type.BOOL, lambda items: list(items) == sorted(items)),
        member("sum", cel.Type.DYN, sum),
        member("min", cel.Type.DYN, min),
        member("max", cel.Type.DYN, max),
    ]


@lru_cache(maxsize=1)
def _environment() -> Any:
    extensions = [
        ext_strings.ExtStrings(),
        ext_optional.ExtOptional(),
        ext_math.ExtMath(),
        ext_encoders.ExtEncoders(),
        ext_bindings.ExtBindings(),
    ]
    return cel.NewEnv(
        variables=dict.fromkeys(_VARIABLES, cel.Type.DYN),
        extensions=extensions,
        functions=_kubernetes_lists(),
    )


@lru_cache(maxsize=1024)
def compile_expression(text: str) -> Compiled:
    """Compile ``text`` once (cached); raises :class:`CelError` with the compiler's message."""
    if len(text) > MAX_EXPRESSION:
        raise CelError(f"expression is {len(text)} characters long; at most {MAX_EXPRESSION}")
    try:
        program = _environment().compile(text)
    except Exception as err:
        raise CelError(str(err).replace("INVALID_ARGUMENT: ", "")) from err
    return Compiled(text, program, _nesting(text))


def _nesting(text: str) -> int:
    """How deep comprehensions nest, from their positions and the parentheses between them."""
    depth = deepest = 0
    stack: list[int] = []
    level = 0
    index = 0
    while index < len(text):
        match = _MACROS.match(text, index)
        if match:
            depth += 1
            deepest = max(deepest, depth)
            stack.append(level)
            level += 1
            index = match.end()
            continue
        char = text[index]
        if char == "(":
            level += 1
        elif char == ")":
            level -= 1
            if stack and stack[-1] == level:
                stack.pop()
                depth -= 1
        index += 1
    return deepest


def plain(value: Any) -> tuple[Any, int]:
    """``value`` as JSON data (YAML's dates as strings: CEL knows no dates in JSON), and the
    length of its biggest list or map."""
    walked = _Walk()
    walked.visit(value)
    if walked.dates:
        value = orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
    return value, walked.widest


class _Walk:
    """One pass over JSON-like data: its widest collection, and whether it holds dates."""

    def __init__(self) -> None:
        self.widest = 0
        self.dates = False

    def visit(self, value: Any) -> None:
        if isinstance(value, dict):
            self.widest = max(self.widest, len(value))
            for item in value.values():
                if isinstance(item, dict | list | dt.date):
                    self.visit(item)
        elif isinstance(value, list):
            self.widest = max(self.widest, len(value))
            for item in value:
                if isinstance(item, dict | list | dt.date):
                    self.visit(item)
        elif isinstance(value, dt.date):
            self.dates = True


def activation(data: Mapping[str, Any]) -> Any:
    """An activation over ``data``, made once and shared by the expressions that read it."""
    return _environment().Activation(dict(data))
