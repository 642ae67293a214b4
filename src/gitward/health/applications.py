"""Health of a child ``argoproj.io/Application``, built in and aware of stale verdicts.

A parent that deploys a child app and gates its next sync wave on the child's health must not
read a verdict the child formed before it saw the new spec: that is how Argo CD's app-of-apps
waves race ahead (argo-cd #27917, #5585; the documented workaround in #29649 compares
``status.sync.comparedTo`` with the spec). Here the freshness test is built in.

A child is Healthy only when all of these hold:

- it has a status at all ("Waiting for the application to be reconciled" otherwise);
- no condition of an ``*Error`` type is set (Degraded, naming the condition);
- no sync operation is running;
- ``status.sync.comparedTo`` carries every field of its current spec (when the status records
  it; fields the controller adds on its own are not a difference);
- it was reconciled after ``applied_at``, when the caller says when it applied the child;
- with ``expected_revision`` (the revision the parent just deployed): the compared revision is
  that one (``status.sync.revision``, or ``status.sync.revisions`` for multi-source apps), its last
  sync there did not fail, and it is Synced;
- and then its own reported ``status.health`` is Healthy.

A stale verdict is Progressing whatever it says, Degraded included: it describes what ran before
the parent's change, and failing the parent's wave on it would be as wrong as passing on it.
A child that reports Missing (none of its resources exist yet) is Progressing for the parent, as
Argo CD's parent aggregation ignores a Missing child. This module must not look at the child's
resources: the child app has already judged them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["ExpectedRevision", "application"]

ExpectedRevision = str | Sequence[str]

RECONCILING = Health(HealthStatus.PROGRESSING, "Waiting for the application to be reconciled")


def _waiting(message: str) -> Health:
    return Health(HealthStatus.PROGRESSING, message)


def _covers(compared: object, wanted: object) -> bool:
    """Whether the recorded comparison carries every non-empty field of the spec.

    Fields only the comparison has (defaults the controller filled in, an inferred server) do not
    make it stale; a spec field that changed, or a list that grew or shrank, does.
    """
    if isinstance(wanted, dict):
        if not isinstance(compared, dict):
            return not any(v not in (None, "", [], {}) for v in wanted.values())
        return all(_covers(compared.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        if not isinstance(compared, list) or len(compared) != len(wanted):
            return not wanted and not compared
        return all(_covers(c, w) for c, w in zip(compared, wanted, strict=True))
    if wanted in (None, ""):
        return True
    return bool(compared == wanted)


def _error_condition(obj: Manifest) -> Health | None:
    for condition in reading.conditions(obj):
        kind = str(condition.get("type") or "")
        if kind.endswith("Error"):
            detail = str(condition.get("message") or "").strip()
            text = f"Application has a {kind}: {detail}" if detail else f"Application has a {kind}"
            return Health(HealthStatus.DEGRADED, text)
    return None


def _stale_spec(obj: Manifest) -> Health | None:
    compared = reading.mapping(obj, "status.sync.comparedTo")
    if not compared:
        return None
    spec = reading.mapping(obj, "spec")
    for field in ("source", "sources", "destination"):
        if not _covers(compared.get(field), spec.get(field)):
            return _waiting(
                f"Waiting for the application to compare its new spec: status.sync.comparedTo."
                f"{field} describes an older spec"
            )
    return None


def _stale_time(obj: Manifest, applied_at: datetime | None) -> Health | None:
    if applied_at is None:
        return None
    stamp = reading.text(obj, "status.reconciledAt")
    try:
        reconciled = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None
    except ValueError as err:
        raise reading.FieldTypeError("status.reconciledAt", "an RFC 3339 time", stamp) from err
    if reconciled is None or reconciled < applied_at:
        shown = stamp or "never"
        return _waiting(
            f"Waiting for the application to be reconciled after it was applied at "
            f"{applied_at.isoformat()}: last reconciled {shown}"
        )
    return None


def _reported_revisions(obj: Manifest) -> tuple[str, ...]:
    many = reading.sequence(obj, "status.sync.revisions")
    if many:
        return tuple(str(item) for item in many)
    one = reading.text(obj, "status.sync.revision")
    return (one,) if one else ()


def _matches(expected: ExpectedRevision, reported: tuple[str, ...]) -> bool:
    if isinstance(expected, str):
        return expected in reported
    return tuple(expected) == reported


def _shown(revisions: ExpectedRevision | tuple[str, ...]) -> str:
    return revisions if isinstance(revisions, str) else ", ".join(revisions)


def _at_revision(obj: Manifest, expected: ExpectedRevision) -> Health | None:
    reported = _reported_revisions(obj)
    if not reported:
        return _waiting(
            f"Waiting for the application to be compared at revision {_shown(expected)}: "
            "it has not been compared at any revision yet"
        )
    if not _matches(expected, reported):
        return _waiting(
            f"Waiting for the application to be compared at revision {_shown(expected)}: "
            f"its status is for revision {_shown(reported)}"
        )
    sync_status = reading.text(obj, "status.sync.status", default="Unknown")
    if sync_status == "Synced":
        return None
    operation = reading.mapping(obj, "status.operationState")
    if operation.get("phase") in ("Failed", "Error"):
        detail = str(operation.get("message") or "").strip()
        text = f"Sync to revision {_shown(expected)} failed"
        return Health(HealthStatus.DEGRADED, f"{text}: {detail}" if detail else text)
    return _waiting(
        f"Waiting for the application to be synced at revision {_shown(expected)}: "
        f"it is {sync_status}"
    )


def _running_operation(obj: Manifest) -> Health | None:
    operation = reading.mapping(obj, "status.operationState")
    if operation.get("phase") in ("Running", "Terminating"):
        detail = str(operation.get("message") or "").strip()
        text = "Waiting for the running sync to finish"
        return _waiting(f"{text}: {detail}" if detail else text)
    return None


def _reported(health: dict[str, Any]) -> Health:
    status = HealthStatus.parse(health.get("status"))
    message = str(health.get("message") or "").strip()
    if status is None:
        return Health(
            HealthStatus.UNKNOWN, f"Application reports an unknown health {health.get('status')!r}"
        )
    if status is HealthStatus.MISSING:
        text = "Waiting for the application's resources to be created"
        return _waiting(f"{text}: {message}" if message else text)
    if not message and status is not HealthStatus.HEALTHY:
        message = f"Application is {status.value}"
    return Health(status, message)


def application(
    obj: Manifest,
    *,
    expected_revision: ExpectedRevision | None = None,
    applied_at: datetime | None = None,
) -> Health:
    """The child app's health as its parent should see it (see the module docstring)."""
    health = reading.mapping(obj, "status.health")
    if not health.get("status"):
        return RECONCILING
    checks = (
        _error_condition(obj),
        _running_operation(obj),
        _stale_spec(obj),
        _stale_time(obj, applied_at),
        _at_revision(obj, expected_revision) if expected_revision is not None else None,
    )
    for verdict in checks:
        if verdict is not None:
            return verdict
    return _reported(health)
