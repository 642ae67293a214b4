"""Run one Argo CD-style Lua health check in a sandbox, and never crash or hang doing it.

A script sees a global ``obj`` (the live object as Lua tables) and returns a table
``{status = "Healthy", message = "..."}``, exactly as in Argo CD's
``resource.customizations.health.<group>_<kind>``. Argo CD runs it on gopher-lua: Lua 5.1 plus the
``goto`` statement and ``::labels::`` of Lua 5.2. LuaJIT 2.1 is the runtime lupa ships that speaks
exactly that dialect (5.2 and later drop ``setfenv``, ``unpack``, ``table.getn`` and 5.3 prints
``10/2`` as ``5.0``), so scripts run there with its compiler switched off (compiled loops would
never reach the instruction hook); ``math.mod``, which gopher-lua keeps and LuaJIT dropped, is
restored. Where lupa has no LuaJIT build, plain Lua 5.1 runs them and ``goto`` is a syntax error.

Each run gets a fresh ``LuaRuntime``, so nothing leaks from one check to the next, with:

- an environment holding only pure functions (``lua_sandbox.lua`` lists them): no ``os``, ``io``,
  ``package``, ``require``, ``load``/``loadstring``/``dofile``, ``debug``, ``collectgarbage``,
  ``coroutine`` or ``string.dump``; lupa's ``python`` bridge is out of reach;
- an instruction budget, counted by a debug hook installed before the script runs (once spent,
  every further instruction fails, so ``pcall`` cannot swallow the stop);
- a cost guard on ``string.find/match/gmatch/gsub``: a pattern whose worst case for its subject
  would blow the budget is refused before the C matcher starts, since the hook cannot see inside it;
- a memory ceiling (lupa's ``max_memory``).

Whatever goes wrong comes back as an Unknown verdict naming the customization, never as an
exception. This module must not read files, the clock or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import lupa.luajit21 as lua  # type: ignore[import-untyped]

from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["LuaLimits", "run_health_script"]

_BOOTSTRAP = resources.files("gitward.health").joinpath("lua_sandbox.lua").read_text("utf-8")


@dataclass(frozen=True, slots=True)
class LuaLimits:
    """How much a single health script may spend."""

    instructions: int = 10_000_000
    """Lua VM instructions, pattern-matching work included (about a tenth of a second)."""
    memory_bytes: int = 64 * 1024 * 1024
    """Everything the script's runtime allocates, the object it reads included."""
    pattern_steps_per_instruction: int = 10
    """How many worst-case matcher steps cost one instruction of the budget."""


def _deny_attributes(obj: object, name: object, is_setting: bool) -> str:
    raise AttributeError("Python attributes are not available to health scripts")


def _failure(name: str, detail: str) -> Health:
    return Health(HealthStatus.UNKNOWN, f'Custom health check "{name}" {detail}')


def _error_text(err: BaseException) -> str:
    text = str(err).split("\nstack traceback:", 1)[0].strip()
    return text or "an error that is not a string"


def _verdict(name: str, outcome: tuple[Any, ...]) -> Health:
    kind = outcome[0]
    if kind == "error":
        return _failure(name, f"failed: {outcome[1]}")
    if kind == "junk":
        return _failure(name, f"returned a {outcome[1]}, not a table with status and message")
    status_text, message = outcome[1], outcome[2]
    status = HealthStatus.parse(status_text)
    if status is None:
        if status_text is None:
            return _failure(name, "returned no status")
        return _failure(name, f'returned an invalid health status "{status_text}"')
    if message is not None and not isinstance(message, str):
        return _failure(name, "returned a message that is not a string")
    return Health(status, message or "")


_EXACT_INTEGERS = 2**53


def _lua_safe(value: object) -> object:
    """The object as Lua 5.1 can hold it: numbers beyond 2**53 become floats, as JSON numbers do
    in Argo CD's gopher-lua; keys become strings; anything exotic becomes its text."""
    if isinstance(value, dict):
        return {str(key): _lua_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lua_safe(item) for item in value]
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return value if -_EXACT_INTEGERS <= value <= _EXACT_INTEGERS else float(value)
    return str(value)


def run_health_script(
    name: str, source: str, obj: Manifest, limits: LuaLimits | None = None
) -> Health:
    """The verdict of ``source`` on ``obj``; ``name`` is the customization key used in messages."""
    limits = limits or LuaLimits()
    try:
        runtime = lua.LuaRuntime(
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_deny_attributes,
            max_memory=limits.memory_bytes,
        )
        run = runtime.execute(_BOOTSTRAP)
        table = runtime.table_from(_lua_safe(obj), recursive=True)
        outcome = run(
            source, name, table, limits.instructions, limits.pattern_steps_per_instruction
        )
    except lua.LuaMemoryError:
        ceiling = limits.memory_bytes // (1024 * 1024)
        return _failure(name, f"ran out of memory (the limit is {ceiling} MiB)")
    except lua.LuaError as err:
        return _failure(name, f"failed: {_error_text(err)}")
    except (RecursionError, MemoryError, OverflowError, TypeError, ValueError) as err:
        return _failure(name, f"could not run: {_error_text(err)}")
    if not isinstance(outcome, tuple):
        outcome = (outcome,)
    return _verdict(name, outcome)
