"""Go's time values in trigger conditions: ``time.Now()``, ``time.Parse``, durations, the
methods Argo CD's triggers call on them (``Sub``, ``Before``, ``Minutes``…), and Go's layouts
(``2006-01-02T15:04:05Z07:00``) for ``Format`` and expr-lang's ``date(text, layout)``.

Times are timezone-aware ``datetime``s, durations ``timedelta``s. Pure: no clock but ``now``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gitward.notify.exprsyntax import ExpressionError

__all__ = [
    "METHODS",
    "TIME",
    "duration",
    "go_format",
    "now",
    "parse_layout",
    "parse_time",
    "zone",
]

_LAYOUT = re.compile(
    r"January|Jan|Monday|Mon|2006|Z07:00|Z0700|-07:00|-0700|-07|MST|"
    r"[.,](?:0+|9+)|002|06|01|02|_2|15|03|04|05|PM|pm|1|2|3|4|5"
)
_FORMAT: dict[str, Callable[[datetime], str]] = {
    "January": lambda t: t.strftime("%B"),
    "Jan": lambda t: t.strftime("%b"),
    "Monday": lambda t: t.strftime("%A"),
    "Mon": lambda t: t.strftime("%a"),
    "2006": lambda t: f"{t.year:04d}",
    "06": lambda t: f"{t.year % 100:02d}",
    "01": lambda t: f"{t.month:02d}",
    "1": lambda t: str(t.month),
    "02": lambda t: f"{t.day:02d}",
    "_2": lambda t: f"{t.day:2d}",
    "2": lambda t: str(t.day),
    "002": lambda t: f"{t.timetuple().tm_yday:03d}",
    "15": lambda t: f"{t.hour:02d}",
    "03": lambda t: f"{(t.hour % 12) or 12:02d}",
    "3": lambda t: str((t.hour % 12) or 12),
    "04": lambda t: f"{t.minute:02d}",
    "4": lambda t: str(t.minute),
    "05": lambda t: f"{t.second:02d}",
    "5": lambda t: str(t.second),
    "PM": lambda t: "PM" if t.hour >= 12 else "AM",
    "pm": lambda t: "pm" if t.hour >= 12 else "am",
    "MST": lambda t: t.tzname() or "UTC",
    "Z07:00": lambda t: "Z" if t.utcoffset() == timedelta(0) else _offset(t, ":"),
    "Z0700": lambda t: "Z" if t.utcoffset() == timedelta(0) else _offset(t, ""),
    "-07:00": lambda t: _offset(t, ":"),
    "-0700": lambda t: _offset(t, ""),
    "-07": lambda t: _offset(t, "")[:3],
}
_STRPTIME = {
    "January": "%B",
    "Jan": "%b",
    "Monday": "%A",
    "Mon": "%a",
    "2006": "%Y",
    "06": "%y",
    "01": "%m",
    "1": "%m",
    "02": "%d",
    "2": "%d",
    "15": "%H",
    "03": "%I",
    "3": "%I",
    "04": "%M",
    "4": "%M",
    "05": "%S",
    "5": "%S",
    "PM": "%p",
    "MST": "%Z",
    "Z07:00": "%z",
    "-07:00": "%z",
    "-0700": "%z",
    "Z0700": "%z",
}


def _offset(t: datetime, colon: str) -> str:
    minutes = int((t.utcoffset() or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{colon}{abs(minutes) % 60:02d}"


def _fraction(t: datetime, token: str) -> str:
    digits = f"{t.microsecond:06d}000"[: len(token) - 1]
    if token[1] == "9":
        digits = digits.rstrip("0")
        return f"{token[0]}{digits}" if digits else ""
    return token[0] + digits


def go_format(t: Any, layout: Any) -> str:
    """``t.Format(layout)`` in Go's reference-time layout."""
    if not isinstance(t, datetime) or not isinstance(layout, str):
        raise ExpressionError("Format takes a layout such as time.RFC3339")

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token[0] in ".,":
            return _fraction(t, token)
        return _FORMAT[token](t)

    return _LAYOUT.sub(one, layout)


def zone(name: Any) -> tzinfo:
    """expr-lang's ``timezone(name)``: an IANA time zone (``Europe/Paris``, ``UTC``)."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ExpressionError(f"{name!r} is not a time zone name such as Europe/Paris") from err


def parse_layout(text: Any, layout: Any, where: tzinfo = UTC) -> datetime:
    """expr-lang's ``date(text, layout[, zone])``: ``text`` read with a Go layout, in ``where``
    unless it names its offset."""
    if not isinstance(text, str) or not isinstance(layout, str):
        raise ExpressionError("date takes a string and a Go layout")

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        return ".%f" if token[0] in ".," else _STRPTIME.get(token, token)

    pattern = _LAYOUT.sub(one, layout.replace("%", "%%"))
    try:
        parsed = datetime.strptime(text.replace("Z", "+0000"), pattern)
    except ValueError as err:
        raise ExpressionError(f"date: {text!r} does not match the layout {layout!r}") from err
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=where)


def parse_time(text: Any) -> datetime:
    """Argo CD's ``time.Parse``: an RFC 3339 time."""
    if isinstance(text, datetime):
        return text
    if not isinstance(text, str):
        raise ExpressionError(f"time.Parse takes an RFC 3339 string, got {text!r}")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ExpressionError(f"time.Parse: {text!r} is not RFC 3339") from err
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def duration(text: Any) -> timedelta:
    """Go's ``time.ParseDuration``: ``1h30m``, ``-5m``, ``300ms``."""
    source = str(text)
    sign, body = (-1, source[1:]) if source.startswith("-") else (1, source.lstrip("+"))
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)", body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise ExpressionError(f"{source!r} is not a duration like 1h30m")
    return timedelta(seconds=sign * sum(float(n) * _UNITS[u] for n, u in parts))


def _seconds(d: timedelta) -> float:
    return d.total_seconds()


def _truncate(t: Any, d: Any) -> Any:
    if isinstance(t, datetime) and isinstance(d, timedelta) and d > timedelta(0):
        epoch = datetime(1, 1, 1, tzinfo=t.tzinfo)
        return t - (t - epoch) % d
    raise ExpressionError("Truncate takes a positive duration")


METHODS: dict[str, Callable[..., Any]] = {
    "Before": lambda t, u: t < u,
    "After": lambda t, u: t > u,
    "Equal": lambda t, u: t == u,
    "Compare": lambda t, u: (t > u) - (t < u),
    "Sub": lambda t, u: t - u,
    "Add": lambda t, d: t + d,
    "AddDate": lambda t, y, m, d: t.replace(year=t.year + y) + timedelta(days=30 * m + d),
    "Format": go_format,
    "Unix": lambda t: int(t.timestamp()),
    "UnixMilli": lambda t: int(t.timestamp() * 1000),
    "UTC": lambda t: t.astimezone(UTC),
    "Local": lambda t: t.astimezone(),
    "In": lambda t, where: t.astimezone(where if isinstance(where, tzinfo) else zone(where)),
    "IsZero": lambda t: t == datetime(1, 1, 1, tzinfo=UTC),
    "Year": lambda t: t.year,
    "Month": lambda t: t.month,
    "Day": lambda t: t.day,
    "Hour": lambda t: t.hour,
    "Minute": lambda t: t.minute,
    "Second": lambda t: t.second,
    "Weekday": lambda t: (t.weekday() + 1) % 7,
    "Truncate": _truncate,
    "Hours": lambda d: _seconds(d) / 3600,
    "Minutes": lambda d: _seconds(d) / 60,
    "Seconds": _seconds,
    "Milliseconds": lambda d: int(_seconds(d) * 1000),
    "String": str,
    "Abs": abs,
}

_LAYOUTS = {
    "Layout": "01/02 03:04:05PM '06 -0700",
    "ANSIC": "Mon Jan _2 15:04:05 2006",
    "UnixDate": "Mon Jan _2 15:04:05 MST 2006",
    "RFC822": "02 Jan 06 15:04 MST",
    "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
    "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
    "RFC3339": "2006-01-02T15:04:05Z07:00",
    "RFC3339Nano": "2006-01-02T15:04:05.999999999Z07:00",
    "Kitchen": "3:04PM",
    "Stamp": "Jan _2 15:04:05",
    "DateTime": "2006-01-02 15:04:05",
    "DateOnly": "2006-01-02",
    "TimeOnly": "15:04:05",
}
TIME: dict[str, Any] = {
    "Now": now,
    "Parse": parse_time,
    "ParseDuration": duration,
    "Nanosecond": timedelta(microseconds=0.001),
    "Microsecond": timedelta(microseconds=1),
    "Millisecond": timedelta(milliseconds=1),
    "Second": timedelta(seconds=1),
    "Minute": timedelta(minutes=1),
    "Hour": timedelta(hours=1),
    **_LAYOUTS,
}
"""Argo CD's ``time`` namespace: its functions, Go's duration constants and layouts."""
