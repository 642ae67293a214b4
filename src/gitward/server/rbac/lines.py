"""Read the lines of a policy.csv into rules (``p``) and links (``g``), refusing bad lines.

Argo CD's format, one line each::

    p, <subject>, <resource>, <action>, <object>, <allow|deny>
    g, <user-or-group>, <role>

Blank lines and ``#`` comments are skipped; fields may be quoted like CSV (a group with a comma).
A line that cannot mean anything (wrong field count, an effect other than allow/deny, an unknown
resource or action, a pattern that does not compile) is a ``ConfigError`` naming the file and
line, never silently ignored: Argo CD would load some of those and then never match them.
Pure: no file is opened here.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from gitward.errors import ConfigError, Location
from gitward.server.rbac import matching, vocabulary

__all__ = ["Link", "Origin", "PolicyLines", "Rule", "parse_lines", "read_fields"]

EFFECTS = ("allow", "deny")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a line was written: a file and line, or an object's field."""

    where: Location

    def __str__(self) -> str:
        return str(self.where)


@dataclass(frozen=True, slots=True)
class Rule:
    """A ``p`` line."""

    subject: str
    resource: str
    action: str
    obj: str
    effect: str
    origin: Origin

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.subject, self.resource, self.action, self.obj, self.effect)

    def __str__(self) -> str:
        return "p, " + ", ".join(self.key)


@dataclass(frozen=True, slots=True)
class Link:
    """A ``g`` line: ``member`` (a user, group or role) inherits everything ``role`` may do."""

    member: str
    role: str
    origin: Origin

    def __str__(self) -> str:
        return f"g, {self.member}, {self.role}"


@dataclass(frozen=True, slots=True)
class PolicyLines:
    """The rules and links of one or more policy texts, in order, with warnings."""

    rules: tuple[Rule, ...] = ()
    links: tuple[Link, ...] = ()
    warnings: tuple[str, ...] = ()

    def __add__(self, other: PolicyLines) -> PolicyLines:
        return PolicyLines(
            self.rules + other.rules, self.links + other.links, self.warnings + other.warnings
        )


LineLocator = Callable[[int], Location]
"""Maps a 1-based line number of a policy text to the place to report it at."""


def parse_lines(text: str, locate: LineLocator, mode: str = matching.GLOB) -> PolicyLines:
    """Every ``p`` and ``g`` line of ``text``; raises ``ConfigError`` on the first bad line."""
    rules: list[Rule] = []
    links: list[Link] = []
    warnings: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = locate(number)
        fields = read_fields(line, where)
        if fields[0] == "p":
            rule = parse_rule(fields, Origin(where), mode)
            rules.append(rule)
            warnings.extend(_rule_warnings(rule, mode))
        elif fields[0] == "g":
            links.append(parse_link(fields, Origin(where)))
        else:
            raise ConfigError(
                f"a policy line starts with 'p' or 'g', not {fields[0]!r}",
                where=where,
                hint="write 'p, subject, resource, action, object, effect' or 'g, member, role'",
            )
    return PolicyLines(tuple(rules), tuple(links), tuple(warnings))


def read_fields(line: str, where: Location) -> list[str]:
    """The comma-separated fields of one line, quotes honoured, spaces trimmed."""
    try:
        rows = list(csv.reader([line], skipinitialspace=True, strict=True))
    except csv.Error as err:
        raise ConfigError(f"the line is not valid CSV: {err}", where=where) from None
    return [field.strip() for field in rows[0]] if rows else [""]


def parse_rule(fields: list[str], origin: Origin, mode: str) -> Rule:
    """A ``p`` line's fields (``fields[0] == "p"``) checked and made a ``Rule``."""
    where = origin.where
    if len(fields) != 6:
        hint = "end the line with ', allow' or ', deny'" if len(fields) == 5 else ""
        raise ConfigError(
            f"a p line has 6 fields (p, subject, resource, action, object, effect), "
            f"this one has {len(fields)}",
            where=where,
            hint=hint,
        )
    _, subject, resource, action, obj, effect = fields
    for name, value in (("subject", subject), ("resource", resource), ("action", action)):
        _require(name, value, where)
    _require("object", obj, where)
    if effect not in EFFECTS:
        raise ConfigError(
            f"the effect must be 'allow' or 'deny', not {effect!r}",
            where=where,
            hint="effects are lower case",
        )
    _check_token(resource, mode, vocabulary.resource_problem, where)
    _check_token(action, mode, vocabulary.action_problem, where)
    _check_token(obj, mode, None, where)
    return Rule(subject, resource, action, obj, effect, origin)


def parse_link(fields: list[str], origin: Origin) -> Link:
    """A ``g`` line's fields (``fields[0] == "g"``) checked and made a ``Link``."""
    if len(fields) != 3:
        raise ConfigError(
            f"a g line has 3 fields (g, member, role), this one has {len(fields)}",
            where=origin.where,
        )
    _require("member", fields[1], origin.where)
    _require("role", fields[2], origin.where)
    return Link(fields[1], fields[2], origin)


def _require(name: str, value: str, where: Location) -> None:
    if not value:
        raise ConfigError(f"the {name} is empty", where=where)


def _check_token(
    token: str,
    mode: str,
    vocabulary_problem: Callable[[str], tuple[str, str] | None] | None,
    where: Location,
) -> None:
    if matching.is_pattern(token, mode):
        try:
            matching.compile_pattern(token, mode)
        except ValueError as err:
            raise ConfigError(f"the pattern {token!r} is invalid: {err}", where=where) from None
        return
    problem = vocabulary_problem(token) if vocabulary_problem and mode == matching.GLOB else None
    if problem:
        raise ConfigError(problem[0], where=where, hint=problem[1])


def _rule_warnings(rule: Rule, mode: str) -> list[str]:
    scoped = rule.resource in vocabulary.PROJECT_SCOPED
    if scoped and "/" not in rule.obj and not matching.is_pattern(rule.obj, mode):
        return [
            f"{rule.origin}: the object {rule.obj!r} never matches: objects of "
            f"{rule.resource} are written <project>/<name> (for example {rule.obj}/* or */"
            f"{rule.obj})"
        ]
    return []
