"""Chart versions and version ranges, read as Helm and Argo CD read them (Masterminds semver).

A ``targetRevision`` of a chart source is either an exact version (``1.2.3``, ``v1.2``) or a
range (``^1.2``, ``~1.2.3``, ``>=1 <2``, ``1.x || 2.0.0``, ``1.2 - 1.4``, ``*``); the chosen
version is the highest the repository lists that the range admits. As in Masterminds semver,
missing parts of a version in a range are wildcards (``<=1.2`` admits ``1.2.9``), and a
pre-release (``1.3.0-rc.1``) is admitted only by a range that names a pre-release itself.

It must not fetch anything: callers give it the versions a repository lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "LOWEST",
    "Version",
    "VersionRange",
    "highest",
    "is_exact",
    "parse_range",
    "parse_version",
]

_VERSION = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*))?(?:\.(?P<patch>0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_PART = re.compile(r"^(?P<op>!=|>=|=>|<=|=<|~>|[=><~^])?\s*(?P<ver>\S+)$")
_WILD = frozenset({"x", "X", "*"})


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """A semantic version; ordered as semver orders them (a pre-release before its release)."""

    major: int
    minor: int
    patch: int
    release: bool
    pre: tuple[tuple[int, int | str], ...] = ()

    @property
    def is_prerelease(self) -> bool:
        return not self.release


LOWEST = Version(0, 0, 0, release=False, pre=((0, 0),))
"""Below every version (for sorting what does not parse last)."""


def parse_version(text: str) -> Version | None:
    """The version ``text`` spells (``v`` prefix and missing parts allowed), or None."""
    found = _VERSION.match(text.strip())
    if found is None:
        return None
    pre = found["pre"] or ""
    return Version(
        int(found["major"]),
        int(found["minor"] or 0),
        int(found["patch"] or 0),
        release=not pre,
        pre=tuple(_pre_part(part) for part in pre.split(".")) if pre else (),
    )


def _pre_part(part: str) -> tuple[int, int | str]:
    return (0, int(part)) if part.isdigit() else (1, part)


def is_exact(text: str) -> bool:
    """Whether ``text`` names one version rather than a range (Argo CD's ``IsVersion``)."""
    return parse_version(text) is not None


Check = Callable[[Version], bool]


@dataclass(frozen=True, slots=True)
class VersionRange:
    """Alternatives (``||``) of conjunctions of single comparisons."""

    text: str
    alternatives: tuple[tuple[tuple[Check, bool], ...], ...]

    def admits(self, version: Version) -> bool:
        return any(_all_admit(group, version) for group in self.alternatives)


def _all_admit(group: tuple[tuple[Check, bool], ...], version: Version) -> bool:
    """Every comparison admits ``version``; a pre-release only if one of them names one."""
    if version.is_prerelease and not any(names for _, names in group):
        return False
    return all(check(version) for check, _ in group)


def parse_range(text: str) -> VersionRange | None:
    """The range ``text`` spells, or None when it is not one."""
    alternatives = []
    for alternative in text.split("||"):
        group = _parse_group(alternative)
        if group is None:
            return None
        alternatives.append(group)
    return VersionRange(text, tuple(alternatives))


def highest(versions: Iterable[str], wanted: str) -> str | None:
    """The highest of ``versions`` that ``wanted`` (an exact version or a range) admits."""
    exact = parse_version(wanted)
    if exact is not None and not _has_wildcard(wanted):
        return next((v for v in versions if parse_version(v) == exact), None)
    allowed = parse_range(wanted)
    if allowed is None:
        return None
    found = [(parsed, v) for v in versions if (parsed := parse_version(v)) is not None]
    admitted = [item for item in found if allowed.admits(item[0])]
    return max(admitted)[1] if admitted else None


def _has_wildcard(text: str) -> bool:
    return any(part in _WILD for part in text.strip().lstrip("v").split("."))


def _parse_group(text: str) -> tuple[tuple[Check, bool], ...] | None:
    text = re.sub(r"(?:^|\s)(\S+)\s+-\s+(\S+)", r" >=\1, <=\2", text)
    text = re.sub(r"(!=|>=|=>|<=|=<|~>|[=><~^])\s+", r"\1", text)
    parts = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    if not parts:
        parts = ["*"]
    checks = []
    for part in parts:
        check = _parse_part(part)
        if check is None:
            return None
        checks.append(check)
    return tuple(checks)


def _parse_part(part: str) -> tuple[Check, bool] | None:
    found = _PART.match(part)
    if found is None:
        return None
    op = found["op"] or "="
    numbers, wild_at = _numbers(found["ver"])
    if numbers is None:
        return None
    base = parse_version(".".join(str(n) for n in numbers) + _suffix(found["ver"]))
    if base is None:
        return None
    check = _comparison(op, base, wild_at)
    return (check, base.is_prerelease) if check is not None else None


def _suffix(text: str) -> str:
    core, dash, rest = text.partition("-")
    return dash + rest if dash and not any(p in _WILD for p in core.split(".")) else ""


def _numbers(text: str) -> tuple[list[int] | None, int]:
    """The version's numbers, zero for wildcards and missing parts, and the first wild index."""
    core = text.lstrip("v").partition("-")[0].partition("+")[0]
    pieces = core.split(".")
    if len(pieces) > 3:
        return None, 3
    numbers: list[int] = []
    wild_at = len(pieces)  # missing parts are wildcards
    for index, piece in enumerate(pieces):
        if piece in _WILD:
            wild_at = min(wild_at, index)
        elif not piece.isdigit():
            return None, 3
        numbers.append(0 if index >= wild_at else int(piece))
    numbers.extend([0] * (3 - len(numbers)))
    return numbers, wild_at


def _comparison(op: str, base: Version, wild_at: int) -> Check | None:
    if op in ("~", "~>"):
        return _between(base, _bump(base, 0 if wild_at == 1 else 1))
    if op == "^":
        return _between(base, _caret_ceiling(base, wild_at))
    if wild_at < 3:
        return _wild_comparison(op, base, wild_at)
    table: dict[str, Check] = {
        "=": lambda v: _plain(v) == _plain(base),
        "!=": lambda v: _plain(v) != _plain(base),
        ">": lambda v: v > base,
        "<": lambda v: v < base,
        ">=": lambda v: v >= base,
        "=>": lambda v: v >= base,
        "<=": lambda v: v <= base,
        "=<": lambda v: v <= base,
    }
    return table.get(op)


def _wild_comparison(op: str, base: Version, wild_at: int) -> Check | None:
    """``1.2.x``, ``>1.x``, ``<=2.*``: a comparison against the block the wildcard spans."""
    if wild_at == 0:
        return (lambda v: True) if op in ("=", ">=", "=>", "<=", "=<") else (lambda v: False)
    ceiling = _bump(base, wild_at - 1)
    table: dict[str, Check] = {
        "=": _between(base, ceiling),
        "!=": lambda v: not (base <= v < ceiling),
        ">": lambda v: v >= ceiling,
        ">=": lambda v: v >= base,
        "=>": lambda v: v >= base,
        "<": lambda v: v < base,
        "<=": lambda v: v < ceiling,
        "=<": lambda v: v < ceiling,
    }
    return table.get(op)


def _plain(version: Version) -> tuple[int, int, int, tuple[tuple[int, int | str], ...]]:
    return (version.major, version.minor, version.patch, version.pre)


def _between(low: Version, high: Version) -> Check:
    return lambda v: low <= v < high


def _bump(base: Version, index: int) -> Version:
    """The first version past ``base``'s block at ``index`` (0: major, 1: minor, 2: patch)."""
    if index <= 0:
        return Version(base.major + 1, 0, 0, release=False, pre=((0, 0),))
    if index == 1:
        return Version(base.major, base.minor + 1, 0, release=False, pre=((0, 0),))
    return Version(base.major, base.minor, base.patch + 1, release=False, pre=((0, 0),))


def _caret_ceiling(base: Version, wild_at: int) -> Version:
    if base.major > 0 or wild_at <= 1:
        return _bump(base, 0)
    if base.minor > 0 or wild_at == 2:
        return _bump(base, 1)
    return _bump(base, 2)
