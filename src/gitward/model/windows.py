"""Sync windows: whether an AppProject lets an app's sync start now, and if not, why and until
when. Platform teams freeze production with deny windows (nights, weekends, a release freeze)
and open maintenance slots with allow windows.

The rules are Argo CD's (``SyncWindows.Matches`` and ``CanSync`` in its v1alpha1 types):

* A window applies to an app when one of its ``applications`` globs matches the app's name, one
  of its ``namespaces`` globs the destination namespace, or one of its ``clusters`` globs the
  destination's ``name`` or ``server`` as the Application writes it. With ``andOperator`` every
  list that is set must match. A window with no list applies to no app.
* A window is open for ``duration`` from every start its cron ``schedule`` names (five fields:
  minute, hour, day of month, month, day of week), read in ``timeZone`` (UTC when unset).
* No window applies: every sync may start.
* An open deny window blocks every sync; a manual one passes when every open deny window has
  ``manualSync``.
* Otherwise an open allow window lets every sync start.
* Otherwise, when allow windows apply (all closed), every sync is blocked; a manual one passes
  when every one of them has ``manualSync``.
* Otherwise (only closed deny windows apply) every sync may start.
* An operation already running (``started_at``) goes on past a boundary only with
  ``syncOverrun``: through deny windows that opened after it started when every open deny window
  has it, and past the end of its allow windows when every closed allow window has it.

On purpose, gitward reads a schedule in the zone's wall-clock time of each day (Argo CD shifts it
by the zone's offset at the moment it asks, so across a DST change a window is an hour off), and
a window is open from its start up to, not including, its end (Argo CD's opens just after its
start). Pure: no I/O and no clock (the caller passes ``now``); a window that
:func:`check_window` accepted never fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from fnmatch import fnmatchcase
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter

from gitward.errors import Location, ManifestError
from gitward.model.fields import parse_duration

__all__ = [
    "ALLOW",
    "DENY",
    "Opening",
    "SyncWindow",
    "Target",
    "Verdict",
    "applies",
    "check_window",
    "closes_at",
    "opening",
    "verdict",
]

ALLOW = "allow"
DENY = "deny"

_CHAIN_LIMIT = 100
"""Overlapping openings followed to find where a window closes (``* * * * *`` for an hour
never closes: after this many it is "not within sight")."""
_LOOKAHEAD = 32
"""Openings and closings searched for the next moment a sync may start."""
_FIELD = re.compile(r"[0-9A-Za-z*?,/-]+")
_NAMES = {
    3: {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
    4: {"sun", "mon", "tue", "wed", "thu", "fri", "sat"},
}
_REFERENCE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """``spec.syncWindows[]`` of an AppProject, as written (checked by :func:`check_window`)."""

    kind: str
    schedule: str
    duration: str
    applications: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    manual_sync: bool = False
    time_zone: str = ""
    and_operator: bool = False
    sync_overrun: bool = False
    description: str = ""

    def __str__(self) -> str:
        about = f' "{self.description}"' if self.description else ""
        return (
            f'{self.kind} window "{self.schedule}" for {self.duration} '
            f"({self.time_zone or 'UTC'}){about}"
        )


@dataclass(frozen=True, slots=True)
class Target:
    """What windows are matched against: the app's name and its destination as written."""

    app: str
    namespace: str = ""
    server: str = ""
    cluster: str = ""
    """``spec.destination.name``."""


@dataclass(frozen=True, slots=True)
class Opening:
    """One window at one moment. Open: since ``start``; closed: it opens next at ``start``
    (None: never, as far as searched). ``end`` is when that opening ends."""

    window: SyncWindow
    open: bool
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a sync may start (or go on) now. When not: ``blocking`` are the windows that stop
    it, ``reason`` says so in a sentence, ``until`` is when a sync may start (None: not within
    what was searched)."""

    allowed: bool
    assigned: tuple[Opening, ...] = ()
    blocking: tuple[Opening, ...] = ()
    reason: str = ""
    until: datetime | None = None

    @property
    def active(self) -> tuple[Opening, ...]:
        return tuple(o for o in self.assigned if o.open)


# -- checking what is written --------------------------------------------------------------------


def check_window(window: SyncWindow, where: Callable[[str], Location]) -> None:
    """Refuse a window that could not be evaluated; ``where(field)`` locates a field."""
    if window.kind not in (ALLOW, DENY):
        raise ManifestError(
            f"kind {window.kind!r} is neither allow nor deny",
            where=where("kind"),
            hint="Write `kind: allow` or `kind: deny`",
        )
    _check_schedule(window.schedule, where("schedule"))
    _check_duration(window.duration, where("duration"))
    _check_zone(window.time_zone, where("timeZone"))


def _check_schedule(schedule: str, where: Location) -> None:
    hint = (
        'Write five cron fields: minute hour day-of-month month day-of-week, e.g. "0 22 * * *" '
        "(Argo CD accepts neither @-shortcuts nor seconds)"
    )
    fields = schedule.split()
    if len(fields) != 5:
        raise ManifestError(
            f"{schedule!r} must have 5 fields, found {len(fields)}", where=where, hint=hint
        )
    for index, text in enumerate(fields):
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
        if not _FIELD.fullmatch(text) or not words <= _NAMES.get(index, set()):
            raise ManifestError(
                f"{schedule!r}: {text!r} is not a field Argo CD's cron reads",
                where=where,
                hint=hint,
            )
    try:
        croniter(schedule, _REFERENCE).get_next(datetime)
    except CroniterBadDateError:
        raise ManifestError(
            f"{schedule!r} names no date that exists", where=where, hint=hint
        ) from None
    except (CroniterError, ValueError) as err:
        raise ManifestError(f"{schedule!r}: {err}", where=where, hint=hint) from None


_LONGEST_S = 2_562_047 * 3600  # Go's time.Duration holds about 2,562,047 hours


def _check_duration(duration: str, where: Location) -> None:
    hint = 'Write a duration with a unit, such as "30m", "1h" or "8h30m"'
    if re.fullmatch(r"\s*\d+(\.\d+)?\s*", duration):
        raise ManifestError(f"duration {duration!r} has no unit", where=where, hint=hint)
    seconds = parse_duration(duration, where)
    if seconds <= 0:
        raise ManifestError(
            f"duration {duration!r} is not longer than zero", where=where, hint=hint
        )
    if seconds > _LONGEST_S:
        raise ManifestError(
            f"duration {duration!r} is longer than a window can be (Go's limit, "
            f"{_LONGEST_S // 3600}h, which Argo CD refuses beyond as well)",
            where=where,
            hint="A window that never closes is a project without that window: remove it",
        )


def _check_zone(name: str, where: Location) -> None:
    try:
        _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ManifestError(
            f"{name!r} is not a time zone",
            where=where,
            hint='Name an IANA time zone, such as "Europe/Amsterdam" or "UTC"',
        ) from None


@lru_cache(maxsize=256)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name) if name else UTC


@lru_cache(maxsize=256)
def _length(duration: str) -> timedelta:
    return timedelta(seconds=parse_duration(duration, Location()))


# -- which windows, open or not ------------------------------------------------------------------


def applies(window: SyncWindow, target: Target) -> bool:
    """Whether ``window`` is assigned to the app (Argo CD's ``Matches``)."""
    checks = []
    if window.applications:
        checks.append(any(_glob(p, target.app) for p in window.applications))
    if window.clusters:
        checks.append(
            any(
                (target.cluster and _glob(p, target.cluster))
                or (target.server and _glob(p, target.server))
                for p in window.clusters
            )
        )
    if window.namespaces:
        checks.append(any(_glob(p, target.namespace) for p in window.namespaces))
    if not checks:
        return False
    return all(checks) if window.and_operator else any(checks)


def opening(window: SyncWindow, now: datetime) -> Opening:
    """The window at ``now``: open since when, or when it opens next."""
    length = _length(window.duration)
    starts = _starts(window, now - length)
    first = next(starts, None)
    if first is None:
        return Opening(window, False, None, None)
    return Opening(window, first <= now, first, first + length)


def closes_at(found: Opening) -> datetime | None:
    """When an open window closes, following openings that overlap it (None: not in sight)."""
    if not found.open or found.start is None or found.end is None:
        return found.end
    length = _length(found.window.duration)
    starts = _starts(found.window, found.start)
    end = found.end
    for _ in range(_CHAIN_LIMIT):
        following = next(starts, None)
        if following is None or following >= end:
            return end
        end = max(end, following + length)
    return None


def _starts(window: SyncWindow, after: datetime) -> Iterator[datetime]:
    """Every start of the window strictly after ``after``, in UTC."""
    schedule = croniter(window.schedule, after.astimezone(_zone(window.time_zone)))
    while True:
        try:
            found: datetime = schedule.get_next(datetime)
        except CroniterBadDateError:
            return
        yield found.astimezone(UTC)


# -- the verdict ---------------------------------------------------------------------------------


def verdict(
    windows: Iterable[SyncWindow],
    target: Target,
    now: datetime,
    *,
    manual: bool = False,
    started_at: datetime | None = None,
) -> Verdict:
    """Whether a sync of ``target`` may start at ``now`` (``manual``: a person asked for it),
    or go on (``started_at``: when the running operation started)."""
    assigned = tuple(w for w in windows if applies(w, target))
    openings = tuple(opening(w, now) for w in assigned)
    blocking = _blocking(openings, manual=manual, started_at=started_at)
    if not blocking:
        return Verdict(True, openings)
    until = _next_allowed(assigned, now, manual=manual)
    return Verdict(False, openings, blocking, _reason(blocking, until, manual=manual), until)


def _blocking(
    openings: Sequence[Opening], *, manual: bool, started_at: datetime | None
) -> tuple[Opening, ...]:
    """The windows that stop the sync; none when it may go."""
    denies = [o for o in openings if o.open and o.window.kind == DENY]
    if denies:
        return _unless(denies, manual=manual, overrun=_overruns_denies(denies, started_at))
    if any(o.open and o.window.kind == ALLOW for o in openings):
        return ()
    allows = [o for o in openings if o.window.kind == ALLOW]
    overrun = started_at is not None and all(o.window.sync_overrun for o in allows)
    return _unless(allows, manual=manual, overrun=overrun)


def _overruns_denies(denies: Sequence[Opening], started_at: datetime | None) -> bool:
    """A running operation goes on through deny windows that all allow an overrun and all
    opened after it started."""
    return started_at is not None and all(
        o.window.sync_overrun and o.start is not None and o.start > started_at for o in denies
    )


def _unless(openings: Sequence[Opening], *, manual: bool, overrun: bool) -> tuple[Opening, ...]:
    if not openings or overrun:
        return ()
    if manual and all(o.window.manual_sync for o in openings):
        return ()
    return tuple(o for o in openings if not (manual and o.window.manual_sync))


def _next_allowed(windows: Sequence[SyncWindow], now: datetime, *, manual: bool) -> datetime | None:
    """The first moment after ``now`` at which a new sync may start, if one is in sight."""
    moment: datetime | None = now
    for _ in range(_LOOKAHEAD):
        assert moment is not None
        moment = _next_change(windows, moment)
        if moment is None:
            return None
        openings = [opening(w, moment) for w in windows]
        if not _blocking(openings, manual=manual, started_at=None):
            return moment
    return None


def _next_change(windows: Sequence[SyncWindow], moment: datetime) -> datetime | None:
    """The first moment after ``moment`` at which one of the windows opens or closes."""
    changes = []
    for window in windows:
        found = opening(window, moment)
        change = closes_at(found) if found.open else found.start
        if change is not None and change > moment:
            changes.append(change)
    return min(changes, default=None)


def _reason(blocking: Sequence[Opening], until: datetime | None, *, manual: bool) -> str:
    if blocking[0].window.kind == DENY:
        ends = [(o, closes_at(o)) for o in blocking]
        listed = "; ".join(f"{o.window} is open {_until(end, o.window)}" for o, end in ends)
    else:
        ends = [(o, o.start) for o in blocking]
        listed = "no allow window is open: " + "; ".join(
            f"{o.window} {_next(start, o.window)}" for o, start in ends
        )
    if manual:
        listed += " (manualSync is off: manual syncs are blocked too)"
    if until is None:
        return f"{listed}; no sync may start within the openings searched"
    if all(end == until for _, end in ends):
        return listed
    return f"{listed}; a sync may start at {_shown(until, blocking[0].window)}"


def _until(end: datetime | None, window: SyncWindow) -> str:
    return f"until {_shown(end, window)}" if end is not None else "with no end in sight"


def _next(start: datetime | None, window: SyncWindow) -> str:
    return f"opens next at {_shown(start, window)}" if start is not None else "never opens"


def _shown(moment: datetime, window: SyncWindow) -> str:
    return moment.astimezone(_zone(window.time_zone)).strftime("%Y-%m-%d %H:%M %Z")


def _glob(pattern: str, value: str) -> bool:
    """Argo CD's glob (``*``, ``?``, ``[...]``, ``{a,b}``), where ``*`` crosses ``/`` too."""
    if pattern == "*":
        return True
    return any(fnmatchcase(value, variant) for variant in _braces(pattern))


def _braces(pattern: str) -> list[str]:
    found = re.search(r"\{([^{}]*)\}", pattern)
    if found is None:
        return [pattern]
    head, tail = pattern[: found.start()], pattern[found.end() :]
    return [v for part in found.group(1).split(",") for v in _braces(head + part + tail)]
