"""Reading untyped YAML mappings into typed values, with locations in every complaint.

A ``Fields`` wraps one mapping of a manifest. Each read names the field it wants and the type it
expects; a wrong type or a missing required field raises ``ManifestError`` naming the file, the
object and the full field path, and ``finish()`` records a warning for every key nobody read
(a misspelt ``valueFile`` must not be silently ignored).
It must not know any Argo CD field: that is the job of the modules that use it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from gitward.errors import Location, ManifestError

__all__ = ["Fields", "ModelWarning", "Parsed", "Warnings", "object_name", "parse_duration"]

T = TypeVar("T")

_TYPE_NAMES = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}


@dataclass(frozen=True, slots=True)
class ModelWarning:
    """A non-fatal finding about a manifest, with where it is."""

    where: Location
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if str(self.where) else self.message


@dataclass
class Warnings:
    """Warnings collected while parsing one document."""

    items: list[ModelWarning] = field(default_factory=list)

    def add(self, where: Location, message: str) -> None:
        self.items.append(ModelWarning(where, message))

    def __iter__(self) -> Iterator[ModelWarning]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    """A parsed document and the warnings found on the way."""

    value: T
    warnings: tuple[str, ...] = ()


def object_name(document: Any, file: str | None) -> str:
    """``metadata.name`` of a document, before the rest is read (to name it in errors)."""
    top = Fields(document, Location(file=file), "", Warnings())
    metadata = top.mapping("metadata", required=True)
    assert metadata is not None
    return metadata.text("name", required=True)


class Fields:
    """Typed reads from one mapping, remembering which keys were read."""

    def __init__(self, data: Any, where: Location, path: str, warnings: Warnings) -> None:
        if not isinstance(data, Mapping):
            raise ManifestError(
                f"expected a mapping, found {_describe(data)}",
                where=where.at(path),
                hint="Write this field as `key: value` pairs",
            )
        self._data: Mapping[str, Any] = data
        self._where = where
        self.path = path
        self.warnings = warnings
        self._read: set[str] = set()

    def where(self, name: str | None = None) -> Location:
        """The location of this mapping, or of one of its fields."""
        return self._where.at(self._child(name) if name else self.path)

    def has(self, name: str) -> bool:
        return name in self._data and self._data[name] is not None

    def raw(self, name: str) -> Any:
        """The value as written, unchecked (for free-form fields such as ``valuesObject``)."""
        self._read.add(name)
        return self._data.get(name)

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self._typed(name, str, required)
        return default if value is None else value

    def optional_text(self, name: str) -> str | None:
        return self._typed(name, str, False)

    def scalar_text(self, name: str, *, default: str = "") -> str:
        """A string that YAML may have typed as a number or boolean (``value: 3``)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise self._type_error(name, "a string", value)

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = self._typed(name, bool, False)
        return default if value is None else value

    def optional_flag(self, name: str) -> bool | None:
        return self._typed(name, bool, False)

    def integer(self, name: str, *, default: int | None = None) -> int | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self._type_error(name, "an integer", value)
        if isinstance(value, str):
            if not re.fullmatch(r"[+-]?\d+", value.strip()):
                raise self._type_error(name, "an integer", value)
            return int(value)
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        items = self._list(name)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self._type_error(f"{name}[{index}]", "a string", item)
        return tuple(items)

    def text_map(self, name: str) -> dict[str, str]:
        value = self.raw(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self._type_error(name, "a mapping of strings", value)
        result: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise self._type_error(f"{name}.{key}", "a string", item)
            result[str(key)] = str(item)
        return result

    def mapping(self, name: str, *, required: bool = False) -> Fields | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise self._missing(name)
            return None
        return Fields(value, self._where, self._child(name), self.warnings)

    def mappings(self, name: str) -> list[Fields]:
        path = self._child(name)
        return [
            Fields(item, self._where, f"{path}[{index}]", self.warnings)
            for index, item in enumerate(self._list(name))
        ]

    def ignore(self, *names: str) -> None:
        """Mark fields as known but deliberately not read (e.g. ``status``)."""
        self._read.update(names)

    def unsupported(self, name: str, why: str) -> None:
        """Warn that a known Argo CD field is not supported yet, if it is set."""
        self._read.add(name)
        if self.has(name):
            self.warnings.add(self.where(name), f"not supported by gitward: {why}")

    def finish(self) -> None:
        """Warn about every key that no reader asked for."""
        for key in self._data:
            if key not in self._read:
                close = difflib.get_close_matches(str(key), sorted(self._read), n=1)
                advice = f"did you mean `{close[0]}`?" if close else "check its spelling"
                self.warnings.add(self.where(str(key)), f"unknown field, ignored; {advice}")

    def _child(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _list(self, name: str) -> list[Any]:
        value = self.raw(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._type_error(name, "a list", value)
        return value

    def _typed(self, name: str, kind: type[T], required: bool) -> T | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise self._missing(name)
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self._type_error(name, _TYPE_NAMES.get(kind, kind.__name__), value)
        return value

    def _missing(self, name: str) -> ManifestError:
        return ManifestError(
            "required field is missing", where=self.where(name), hint=f"Set `{name}`"
        )

    def _type_error(self, name: str, expected: str, value: Any) -> ManifestError:
        return ManifestError(
            f"expected {expected}, found {_describe(value)}",
            where=self.where(name),
            hint=f"Write `{name}` as {expected}",
        )


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return type(value).__name__


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, where: Location) -> float:
    """A Go duration (``"5s"``, ``"3m"``, ``"1h30m"``) or bare seconds (``"5"``) in seconds."""
    cleaned = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return float(cleaned)
    parts = _DURATION_PART.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise ManifestError(
            f"{text!r} is not a duration",
            where=where,
            hint='Write a duration such as "5s", "3m" or "1h30m"',
        )
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
