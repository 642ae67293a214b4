"""Sync windows: Argo CD's rules for which windows apply to an app and whether a sync may start,
one table row per rule, then what a project may write in ``spec.syncWindows``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gitward.errors import ManifestError
from gitward.model.project import parse_project
from gitward.model.windows import SyncWindow, Target, applies, closes_at, opening, verdict

SHOP = Target("shop-prod", namespace="prod", server="https://prod.example.com", cluster="prod")
MONDAY = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
"""A Monday at noon, UTC."""


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def deny(schedule: str = "0 22 * * *", duration: str = "8h", **more: Any) -> SyncWindow:
    more.setdefault("applications", ("*",))
    return SyncWindow("deny", schedule, duration, **more)


def allow(schedule: str = "0 9 * * 1-5", duration: str = "8h", **more: Any) -> SyncWindow:
    more.setdefault("applications", ("*",))
    return SyncWindow("allow", schedule, duration, **more)


NIGHTS = deny()
"""Every night 22:00 to 06:00 UTC."""
OFFICE = allow()
"""Weekdays 09:00 to 17:00 UTC."""


@dataclass
class Case:
    rule: str
    windows: list[SyncWindow]
    now: datetime = MONDAY
    manual: bool = False
    started_at: datetime | None = None
    target: Target = SHOP
    allowed: bool = True
    reason: str = ""
    until: datetime | None = None
    assigned: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("no window: every sync may start", []),
    Case(
        "a window for other apps does not apply",
        [deny("* * * * *", "1h", applications=("cart-*",))],
        assigned=0,
    ),
    Case(
        "an open deny window blocks an automated sync",
        [NIGHTS],
        now=at(5, 23),
        allowed=False,
        reason='deny window "0 22 * * *" for 8h (UTC) is open until 2026-01-06 06:00 UTC',
        until=at(6, 6),
    ),
    Case(
        "an open deny window blocks a manual sync without manualSync",
        [NIGHTS],
        now=at(5, 23),
        manual=True,
        allowed=False,
        reason="manualSync is off",
    ),
    Case(
        "manualSync on a deny window lets a person sync",
        [deny(manual_sync=True)],
        now=at(5, 23),
        manual=True,
    ),
    Case(
        "manualSync on a deny window still holds automated syncs",
        [deny(manual_sync=True)],
        now=at(5, 23),
        allowed=False,
    ),
    Case(
        "a person passes open deny windows only when all of them allow manual syncs",
        [deny(manual_sync=True), deny("0 20 * * *", "4h")],
        now=at(5, 23),
        manual=True,
        allowed=False,
        reason='"0 20 * * *"',
    ),
    Case("a closed deny window blocks nothing", [NIGHTS], now=at(5, 12)),
    Case("an open allow window lets syncs start", [OFFICE], now=at(5, 10)),
    Case(
        "outside every allow window syncs are blocked until the next one opens",
        [OFFICE],
        now=at(5, 18),
        allowed=False,
        reason='no allow window is open: allow window "0 9 * * 1-5" for 8h (UTC) opens next at '
        "2026-01-06 09:00 UTC",
        until=at(6, 9),
    ),
    Case(
        "the weekend is outside a weekday allow window",
        [OFFICE],
        now=at(10, 10),
        allowed=False,
        until=at(12, 9),
    ),
    Case(
        "manualSync on every closed allow window lets a person sync",
        [allow(manual_sync=True)],
        now=at(5, 18),
        manual=True,
    ),
    Case(
        "a person passes closed allow windows only when all of them allow manual syncs",
        [allow(manual_sync=True), allow("0 20 * * *", "1h")],
        now=at(5, 18),
        manual=True,
        allowed=False,
    ),
    Case(
        "one open allow window is enough while another is closed",
        [OFFICE, allow("0 20 * * *", "1h")],
        now=at(5, 20, 30),
    ),
    Case(
        "deny wins over an allow window open at the same time",
        [OFFICE, deny("0 12 * * *", "1h")],
        now=at(5, 12, 30),
        allowed=False,
        reason='deny window "0 12 * * *"',
        until=at(5, 13),
    ),
    Case(
        "a sync may start when the allow window opens after the deny window closed",
        [deny("0 8 * * *", "2h"), allow("0 9 * * *", "3h")],
        now=at(5, 7),
        allowed=False,
        until=at(5, 10),
    ),
    Case(
        "a deny window spanning midnight blocks after midnight",
        [NIGHTS],
        now=at(6, 2),
        allowed=False,
        until=at(6, 6),
    ),
    Case("a window is open from its start", [NIGHTS], now=at(5, 22), allowed=False),
    Case("a window is closed at its end", [NIGHTS], now=at(6, 6)),
    Case(
        "a schedule is read in the window's time zone",
        [deny(time_zone="Europe/Amsterdam")],
        now=at(5, 21, 30),
        allowed=False,
        reason="until 2026-01-06 06:00 CET",
        until=at(6, 5),
    ),
    Case(
        "before 22:00 in Amsterdam the freeze has not begun",
        [deny(time_zone="Europe/Amsterdam")],
        now=at(5, 20, 30),
    ),
    Case(
        "after a DST change the window starts at the same wall-clock time",
        [deny(time_zone="Europe/Amsterdam")],
        now=at(29, 20, 30, month=3),
        allowed=False,
        until=at(30, 4, month=3),
    ),
    Case(
        "a window that began before a DST change lasts its whole duration",
        [deny("0 22 * * 6", time_zone="Europe/Amsterdam")],
        now=at(29, 4, 30, month=3),
        allowed=False,
        reason="until 2026-03-29 07:00 CEST",
        until=at(29, 5, month=3),
    ),
    Case(
        "a window open for ever has no end in sight",
        [deny("* * * * *", "1h")],
        allowed=False,
        reason="with no end in sight; no sync may start",
    ),
    Case(
        "syncOverrun lets an operation started before the deny window go on",
        [deny(sync_overrun=True)],
        now=at(5, 23),
        started_at=at(5, 21, 50),
    ),
    Case(
        "without syncOverrun a deny window stops a running operation",
        [NIGHTS],
        now=at(5, 23),
        started_at=at(5, 21, 50),
        allowed=False,
    ),
    Case(
        "syncOverrun does not let an operation started during the deny window go on",
        [deny(sync_overrun=True)],
        now=at(5, 23),
        started_at=at(5, 22, 30),
        allowed=False,
    ),
    Case(
        "syncOverrun on the allow window lets an operation go on after it closes",
        [allow(sync_overrun=True)],
        now=at(5, 17, 30),
        started_at=at(5, 16, 50),
    ),
    Case(
        "without syncOverrun an operation stops when its allow window closes",
        [OFFICE],
        now=at(5, 17, 30),
        started_at=at(5, 16, 50),
        allowed=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_the_windows_follow_argo_cds_rule(case: Case) -> None:
    found = verdict(
        case.windows, case.target, case.now, manual=case.manual, started_at=case.started_at
    )
    assert found.allowed is case.allowed, found.reason
    assert case.reason in found.reason
    if case.until is not None:
        assert found.until == case.until
    if case.assigned is not None:
        assert len(found.assigned) == case.assigned
    if not case.allowed:
        assert found.blocking and found.reason


@dataclass
class Match:
    rule: str
    window: SyncWindow
    applies: bool
    target: Target = SHOP


def window(**lists: Any) -> SyncWindow:
    return SyncWindow("deny", "0 22 * * *", "1h", **lists)


MATCHES = [
    Match("an application glob", window(applications=("*-prod",)), True),
    Match("an application glob of other apps", window(applications=("*-dev",)), False),
    Match("braces name alternatives", window(applications=("{shop,cart}-prod",)), True),
    Match("? matches one character", window(applications=("sho?-prod",)), True),
    Match("a namespace glob", window(namespaces=("prod*",)), True),
    Match("a namespace glob of others", window(namespaces=("staging",)), False),
    Match("a cluster glob matches the server", window(clusters=("https://prod.*",)), True),
    Match("a cluster glob matches the destination name", window(clusters=("prod",)), True),
    Match(
        "a cluster name is matched as written",
        window(clusters=("in-cluster",)),
        False,
        Target("shop-prod", "prod", server="https://kubernetes.default.svc"),
    ),
    Match(
        "lists are or-ed: one matching list is enough",
        window(applications=("cart-*",), namespaces=("prod",)),
        True,
    ),
    Match(
        "andOperator: every list that is set must match",
        window(applications=("shop-*",), namespaces=("staging",), and_operator=True),
        False,
    ),
    Match(
        "andOperator: all lists matching",
        window(applications=("shop-*",), clusters=("prod",), and_operator=True),
        True,
    ),
    Match("a window naming nothing applies to nothing", window(), False),
    Match("* crosses slashes", window(clusters=("https://*",)), True),
]


@pytest.mark.parametrize("case", MATCHES, ids=[case.rule for case in MATCHES])
def test_a_window_applies_to_the_apps_it_names(case: Match) -> None:
    assert applies(case.window, case.target) is case.applies


def test_overlapping_openings_close_when_the_last_one_ends() -> None:
    weekdays = deny("0 22 * * 1-5", "25h")
    found = opening(weekdays, at(6, 10))
    assert found.open
    assert found.start == at(5, 22)
    assert found.end == at(6, 23)
    assert closes_at(found) == at(10, 23)


def test_a_closed_window_says_when_it_opens_next() -> None:
    found = opening(NIGHTS, at(5, 12))
    assert not found.open
    assert (found.start, found.end) == (at(5, 22), at(5, 22) + timedelta(hours=8))


# -- what a project may write ----------------------------------------------------------------


def project_with(**written: Any) -> Any:
    entry = {"kind": "deny", "schedule": "0 22 * * *", "duration": "1h", "applications": ["*"]}
    entry.update(written)
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "prod"},
        "spec": {"syncWindows": [entry]},
    }
    return parse_project(document, file="projects.yaml")


def test_every_field_of_a_window_is_read() -> None:
    parsed = project_with(
        kind="allow",
        schedule="0 9 * * MON-FRI",
        duration="8h30m",
        namespaces=["prod"],
        clusters=["prod"],
        manualSync=True,
        timeZone="Europe/Amsterdam",
        andOperator=True,
        syncOverrun=True,
        description="office hours",
    )
    assert parsed.warnings == ()
    assert parsed.value.sync_windows == (
        SyncWindow(
            "allow",
            "0 9 * * MON-FRI",
            "8h30m",
            applications=("*",),
            namespaces=("prod",),
            clusters=("prod",),
            manual_sync=True,
            time_zone="Europe/Amsterdam",
            and_operator=True,
            sync_overrun=True,
            description="office hours",
        ),
    )


BAD = [
    ("kind", {"kind": "block"}, "kind 'block' is neither allow nor deny"),
    ("schedule", {"schedule": "0 22 * *"}, "must have 5 fields, found 4"),
    ("schedule", {"schedule": "@daily"}, "must have 5 fields, found 1"),
    ("schedule", {"schedule": "0 0 22 * * *"}, "must have 5 fields, found 6"),
    ("schedule", {"schedule": "61 22 * * *"}, "61 22 * * *"),
    ("schedule", {"schedule": "0 0 L * *"}, "'L' is not a field Argo CD's cron reads"),
    ("schedule", {"schedule": "0 0 31 2 *"}, "names no date that exists"),
    ("duration", {"duration": "3600"}, "has no unit"),
    ("duration", {"duration": "0s"}, "is not longer than zero"),
    ("duration", {"duration": "99999999999h"}, "is longer than a window can be"),
    ("duration", {"duration": "26280000h"}, "is longer than a window can be"),
    ("duration", {"duration": "soon"}, "'soon' is not a duration"),
    ("timeZone", {"timeZone": "Mars/Olympus"}, "'Mars/Olympus' is not a time zone"),
    ("timeZone", {"timeZone": "Europe"}, "'Europe' is not a time zone"),
]


@pytest.mark.parametrize(("field_name", "written", "problem"), BAD, ids=[b[2] for b in BAD])
def test_a_window_that_cannot_be_evaluated_is_an_error_naming_its_field(
    field_name: str, written: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        project_with(**written)
    message = str(caught.value)
    assert message.startswith(f"projects.yaml: AppProject prod: spec.syncWindows[0].{field_name}: ")
    assert problem in message


def test_a_window_naming_no_app_is_a_warning() -> None:
    parsed = project_with(applications=None)
    assert parsed.warnings == (
        "projects.yaml: AppProject prod: spec.syncWindows[0]: this sync window names no "
        "applications, namespaces or clusters, so it applies to no app; list at least one",
    )
