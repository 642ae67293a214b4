"""Reading plain command-line values (text, numbers, paths, choices) without pydantic.

Typer checks every value a command gets with a pydantic ``TypeAdapter``; importing pydantic
and building the adapters costs a tenth of a second of CPU on every command, more than the
command's own work. The values gitward's commands take are plain: a string, a number within
bounds, a path, one of an enum's values, or a list of those. :class:`PlainValues` reads those
directly and hands anything else, including every value it would refuse, to Typer's own
reading, so a wrong value gets Typer's usual error message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

from typer._coercion import RuntimeParam

if TYPE_CHECKING:
    from typer._click import Context
    from typer.core import _TyperParameter
    from typer.models import ParameterInfo

__all__ = ["PlainValues", "plain_value"]

_UNREAD = object()


@dataclass(frozen=True)
class PlainValues(RuntimeParam):
    """Reads a parameter's plain values itself; ``typer_reading`` does the rest."""

    typer_reading: Callable[[], RuntimeParam]

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        read = plain_value(self.annotation, self.parameter_info, value)
        if read is not _UNREAD:
            return read
        return self.typer_reading()._coerce_value(value, param=param, ctx=ctx)


def plain_value(annotation: Any, info: ParameterInfo, value: Any) -> Any:
    """``value`` read as ``annotation`` says, or ``_UNREAD`` when it is not plain."""
    if get_origin(annotation) is list:
        return _items(get_args(annotation)[0], info, value)
    if not isinstance(value, str) or info.parser is not None:
        return _UNREAD
    reading = _READINGS.get(annotation)
    if reading is not None:
        return reading(annotation, info, value)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next((m for m in annotation if m.value == value), _UNREAD)
    return _UNREAD


def _items(item_type: Any, info: ParameterInfo, value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return _UNREAD
    items = [plain_value(item_type, info, item) for item in value]
    return _UNREAD if any(item is _UNREAD for item in items) else items


def _text(_: Any, __: ParameterInfo, text: str) -> Any:
    return text


def _number(kind: type[int] | type[float], info: ParameterInfo, text: str) -> Any:
    try:
        number = kind(text)
    except ValueError:
        return _UNREAD
    low, high = info.min, info.max
    if info.clamp or (low is not None and number < low) or (high is not None and number > high):
        return _UNREAD
    return number


def _path(_: Any, info: ParameterInfo, text: str) -> Any:
    checked = info.exists or info.resolve_path or info.allow_dash or info.writable
    if checked or not (info.file_okay and info.dir_okay) or info.path_type is not None:
        return _UNREAD
    return Path(text)


_READINGS: dict[Any, Callable[[Any, ParameterInfo, str], Any]] = {
    str: _text,
    int: _number,
    float: _number,
    Path: _path,
}
