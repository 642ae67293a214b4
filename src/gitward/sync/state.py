"""The state of one sync operation: a value the controller stores after every step.

It holds what was asked (the request), what has been done (per-task results), and where the
operation stands (phase, message, the wave it waits on and since when, retries). A step reads it,
acts, and returns a new one; nothing else is needed to resume after a restart. It round-trips
through a plain JSON dict (:meth:`SyncOperation.to_dict`, :meth:`SyncOperation.from_dict`).
This module must not talk to a cluster.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gitward.errors import Location, ManifestError
from gitward.model.objects import ResourceKey
from gitward.sync.request import SyncRequest
from gitward.sync.results import OperationPhase, ResourceResult, SyncPhase

__all__ = ["SyncOperation", "WaveMark"]

_HINT = "The stored sync operation is damaged: start a new sync"
_WHERE = Location(obj="sync operation")


@dataclass(frozen=True, slots=True)
class WaveMark:
    """The group of tasks (stage number, ordering wave) a sync is at, and since when."""

    stage: int
    wave: int
    since: datetime


@dataclass(frozen=True, slots=True)
class SyncOperation:
    """One sync operation, as recorded after its latest step.

    ``wake_at``: when the step would like to be called again (a poll while it waits on health;
    None when it waits for a person, e.g. to confirm a prune). ``not_before``: a retry must not
    start earlier. ``validated``: the dry run of this attempt passed. ``failure``: why this
    attempt failed, while its SyncFail hooks run. ``retry_count``: attempts made after the first.
    """

    id: str
    request: SyncRequest
    started_at: datetime
    phase: OperationPhase = OperationPhase.RUNNING
    message: str = ""
    finished_at: datetime | None = None
    results: tuple[ResourceResult, ...] = ()
    retry_count: int = 0
    wake_at: datetime | None = None
    not_before: datetime | None = None
    validated: bool = False
    failure: str = ""
    mark: WaveMark | None = None

    @classmethod
    def start(
        cls, request: SyncRequest, *, now: datetime, operation_id: str | None = None
    ) -> SyncOperation:
        """A new operation; ``operation_id`` (random by default) names its generateName hooks."""
        return cls(
            id=operation_id or secrets.token_hex(4),
            request=request,
            started_at=now,
            message="sync requested",
        )

    @property
    def completed(self) -> bool:
        return self.phase.completed

    @property
    def revision(self) -> str:
        return self.request.revision

    def result(self, phase: SyncPhase, key: ResourceKey) -> ResourceResult | None:
        for item in self.results:
            if item.phase is phase and item.key == key:
                return item
        return None

    def terminate(self) -> SyncOperation:
        """Ask a running operation to stop; the next step stops it (running hooks are
        deleted, nothing else starts). A completed operation is returned unchanged."""
        if self.completed:
            return self
        return replace(self, phase=OperationPhase.TERMINATING, message="terminating")

    def confirm_prune(self) -> SyncOperation:
        """Confirm the prune of ``Prune=confirm`` resources (takes effect at the next step)."""
        return replace(self, request=replace(self.request, confirm_prune=True), wake_at=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request": self.request.to_dict(),
            "startedAt": self.started_at.isoformat(),
            "phase": self.phase.value,
            "message": self.message,
            "finishedAt": _time_text(self.finished_at),
            "results": [item.to_dict() for item in self.results],
            "retryCount": self.retry_count,
            "wakeAt": _time_text(self.wake_at),
            "notBefore": _time_text(self.not_before),
            "validated": self.validated,
            "failure": self.failure,
            "mark": None
            if self.mark is None
            else {
                "stage": self.mark.stage,
                "wave": self.mark.wave,
                "since": self.mark.since.isoformat(),
            },
        }

    @classmethod
    def from_dict(cls, data: Any) -> SyncOperation:
        """Read a stored operation; raises :class:`ManifestError` naming the field that is wrong."""
        if not isinstance(data, dict):
            raise ManifestError("the stored operation is not a mapping", where=_WHERE, hint=_HINT)
        raw_results = data.get("results") or []
        if not isinstance(raw_results, list):
            raise ManifestError("results is not a list", where=_WHERE.at("results"), hint=_HINT)
        phase = data.get("phase")
        phases = {p.value: p for p in OperationPhase}
        if phase not in phases:
            raise ManifestError(f"{phase!r} is not a phase", where=_WHERE.at("phase"), hint=_HINT)
        started = _time(data.get("startedAt"), "startedAt")
        assert started is not None
        return cls(
            id=_string(data, "id"),
            request=SyncRequest.from_dict(data.get("request"), _WHERE.at("request")),
            started_at=started,
            phase=phases[phase],
            message=_string(data, "message"),
            finished_at=_time(data.get("finishedAt"), "finishedAt", optional=True),
            results=tuple(
                ResourceResult.from_dict(item, _WHERE.at(f"results[{index}]"))
                for index, item in enumerate(raw_results)
            ),
            retry_count=_count(data.get("retryCount", 0)),
            wake_at=_time(data.get("wakeAt"), "wakeAt", optional=True),
            not_before=_time(data.get("notBefore"), "notBefore", optional=True),
            validated=data.get("validated") is True,
            failure=_string(data, "failure"),
            mark=_mark(data.get("mark")),
        )


def _time_text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(value: Any, name: str, *, optional: bool = False) -> datetime | None:
    if value is None and optional:
        return None
    try:
        found = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise ManifestError(f"{name} is not a time with a zone", where=_WHERE.at(name), hint=_HINT)
    return found


def _string(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ManifestError(f"{name} is not a string", where=_WHERE.at(name), hint=_HINT)
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError("retryCount is not a count", where=_WHERE.at("retryCount"), hint=_HINT)
    return value


def _mark(value: Any) -> WaveMark | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ManifestError("mark is not a mapping", where=_WHERE.at("mark"), hint=_HINT)
    stage, wave = value.get("stage"), value.get("wave")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (stage, wave)):
        raise ManifestError("mark has no stage or wave", where=_WHERE.at("mark"), hint=_HINT)
    since = _time(value.get("since"), "mark.since")
    assert since is not None and isinstance(stage, int) and isinstance(wave, int)
    return WaveMark(stage, wave, since)
