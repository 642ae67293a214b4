"""Whether an app syncs by itself now: a pure function of its policy, its comparison and its last
sync, as Argo CD's automated sync decides it (``autoSync`` in the application controller).

The rules, in order:

* an operation in progress, a manual policy, a failed render or comparison, or an app that is
  already Synced: nothing happens (a manual app shows OutOfSync and waits for a request);
* a sync that would delete every resource (Git declares none) needs ``allowEmpty``;
* a (revision, source) synced before is not synced again: after a failure it is reported as a
  SyncError, after a success drift is only reported, unless ``selfHeal`` is on, which corrects
  it with exponential backoff (first at once, then 2 s, x3, at most 300 s by default) and
  retries a failed revision the same way;
* a new (revision, source) syncs at once, unless an earlier sync wave of its app-of-apps has not
  reached it yet (the wave gate): then it waits;
* whatever would sync by itself (a new revision, a selfHeal correction or retry) waits while a
  sync window of the app's project blocks automated syncs (the window gate, as Argo CD skips
  ``autoSync`` while ``CanSync(false)`` is false), until the window lets it.

``retry`` (``syncPolicy.retry``) is handed to the operation, which retries a failed attempt
within itself. No I/O, no clock: the caller passes ``now``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from gitward.model.application import Retry, SyncPolicy
from gitward.model.backoffs import capped_exponential
from gitward.model.objects import ResourceKey

__all__ = [
    "Comparison",
    "Decision",
    "Gate",
    "Idle",
    "LastSync",
    "SelfHealBackoff",
    "Sync",
    "Wait",
    "decide",
]

SYNCED = "Synced"
OUT_OF_SYNC = "OutOfSync"


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a refresh found. ``complete``: rendering and comparing succeeded against a live
    state that can be trusted; ``source``: a fingerprint of the sources compared."""

    status: str
    revisions: tuple[str, ...]
    source: str
    complete: bool = True
    desired_count: int = 1
    out_of_sync: frozenset[ResourceKey] = frozenset()


@dataclass(frozen=True, slots=True)
class LastSync:
    """The app's latest operation: what it synced and how it ended (``phase`` is Argo CD's
    operation phase). ``self_heal_attempts``: corrections of the same revision in a row."""

    revisions: tuple[str, ...]
    source: str
    phase: str
    finished_at: datetime | None
    automated: bool = True
    self_heal_attempts: int = 0
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.phase == "Succeeded"


@dataclass(frozen=True, slots=True)
class Gate:
    """A gate in front of automated syncs (the wave gate of an app-of-apps child, the sync
    windows of the app's project): open, or closed with the reason and, when known, the time
    it opens (``until``)."""

    open: bool = True
    reason: str = ""
    until: datetime | None = None


OPEN = Gate()


@dataclass(frozen=True, slots=True)
class SelfHealBackoff:
    """The n-th correction of one revision waits ``base * factor**(n-2)`` after the last sync
    ended (the first waits nothing), at most ``cap``."""

    base_s: float = 2.0
    factor: float = 3.0
    cap_s: float = 300.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait before a correction, given ``attempts`` made since the revision."""
        if attempts <= 0:
            return 0.0
        return capped_exponential(self.base_s, self.factor, attempts - 1, self.cap_s)


@dataclass(frozen=True, slots=True)
class Idle:
    """Nothing to do. ``sync_error``: the SyncError condition to show, if any."""

    reason: str
    sync_error: str = ""


@dataclass(frozen=True, slots=True)
class Sync:
    """Start an automated sync. ``resources`` (a selective sync) is set for drift correction."""

    reason: str
    prune: bool
    allow_empty: bool
    retry: Retry | None
    self_heal_attempts: int = 0
    resources: frozenset[ResourceKey] | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """Sync later: at ``until``, or (None) when something the app waits on changes.
    ``window``: a sync window holds the sync."""

    reason: str
    until: datetime | None = None
    window: bool = False


Decision = Idle | Sync | Wait


def decide(
    policy: SyncPolicy,
    comparison: Comparison,
    last: LastSync | None,
    *,
    now: datetime,
    operation_running: bool = False,
    gate: Gate = OPEN,
    window: Gate = OPEN,
    backoff: SelfHealBackoff | None = None,
    synced_since_last: bool = False,
) -> Decision:
    """What the app should do now (see the module docstring for the rules).

    ``gate``: the wave gate; ``window``: the sync windows' gate. ``synced_since_last``: the app
    was seen Synced after its last sync ended, so a new drift starts the selfHeal backoff afresh.
    """
    decision = _decide(
        policy,
        comparison,
        last,
        now=now,
        operation_running=operation_running,
        gate=gate,
        backoff=backoff,
        synced_since_last=synced_since_last,
    )
    if isinstance(decision, Sync) and not window.open:
        return Wait(window.reason, until=window.until, window=True)
    return decision


def _decide(
    policy: SyncPolicy,
    comparison: Comparison,
    last: LastSync | None,
    *,
    now: datetime,
    operation_running: bool,
    gate: Gate,
    backoff: SelfHealBackoff | None,
    synced_since_last: bool,
) -> Decision:
    stop = _no_sync(policy, comparison, operation_running=operation_running)
    if stop is not None:
        return stop
    attempted = last is not None and (last.revisions, last.source) == (
        comparison.revisions,
        comparison.source,
    )
    if last is not None and attempted:
        heal = _Again(policy, comparison, last, gate, backoff or SelfHealBackoff())
        return heal.decide(now, synced_since_last=synced_since_last)
    if not gate.open:
        return Wait(gate.reason)
    return _sync(policy, f"automated sync to {_shown(comparison.revisions)}")


def _no_sync(policy: SyncPolicy, comparison: Comparison, *, operation_running: bool) -> Idle | None:
    """Why the app must not sync by itself whatever its history, or None."""
    automated = policy.automated
    if operation_running:
        return Idle("an operation is in progress")
    if automated is None or not automated.enabled:
        waiting = ": waiting for a sync request" if comparison.status == OUT_OF_SYNC else ""
        return Idle(f"manual sync policy{waiting}")
    if not comparison.complete or comparison.status not in (SYNCED, OUT_OF_SYNC):
        return Idle("not syncing automatically: the desired or live state is not known")
    if comparison.status == SYNCED:
        return Idle("in sync")
    if comparison.desired_count == 0 and not automated.allow_empty:
        return Idle(
            "not syncing automatically",
            sync_error="auto-sync would delete every resource of the application (Git declares "
            "none); set syncPolicy.automated.allowEmpty to allow it",
        )
    return None


@dataclass(frozen=True, slots=True)
class _Again:
    """The revision was synced before: report it, or heal with backoff."""

    policy: SyncPolicy
    comparison: Comparison
    last: LastSync
    gate: Gate
    backoff: SelfHealBackoff

    def decide(self, now: datetime, *, synced_since_last: bool) -> Decision:
        automated, last = self.policy.automated, self.last
        assert automated is not None
        revision = _shown(self.comparison.revisions)
        if not automated.self_heal:
            if not last.succeeded:
                failed = f"Failed sync attempt to {revision}: {last.message}".rstrip(": ")
                return Idle("the last sync of this revision failed", sync_error=failed)
            return Idle(f"already synced to {revision}; drift is reported (selfHeal is off)")
        attempts = 0 if synced_since_last and last.succeeded else last.self_heal_attempts
        wait_s = self.backoff.delay(attempts)
        due = (last.finished_at or now) + timedelta(seconds=wait_s)
        if now < due:
            reason = f"selfHeal: next attempt at {due.isoformat()} (backoff {wait_s:g}s)"
            return Wait(reason, until=due)
        if not last.succeeded:
            if not self.gate.open:
                return Wait(self.gate.reason)
            return _sync(self.policy, f"selfHeal: retrying {revision}", attempts + 1)
        drifted = self.comparison.out_of_sync
        reason = f"selfHeal: correcting drift of {len(drifted)} resources"
        return _sync(self.policy, reason, attempts + 1, drifted or None)


def _sync(
    policy: SyncPolicy,
    reason: str,
    attempts: int = 0,
    resources: Collection[ResourceKey] | None = None,
) -> Sync:
    automated = policy.automated
    assert automated is not None
    return Sync(
        reason=reason,
        prune=automated.prune,
        allow_empty=automated.allow_empty,
        retry=policy.retry,
        self_heal_attempts=attempts,
        resources=None if resources is None else frozenset(resources),
    )


def _shown(revisions: tuple[str, ...]) -> str:
    return ", ".join(revision[:12] for revision in revisions) or "(no revision)"
