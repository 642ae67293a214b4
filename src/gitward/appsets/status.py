"""An ApplicationSet's status as Argo CD shows it: its conditions and the apps it generated.

Argo CD's controller sets four conditions on a set: ``ErrorOccurred``, ``ParametersGenerated``,
``ResourcesUpToDate`` and, with a RollingSync strategy, ``RolloutProgressing``. The first three
follow from the last expansion (:func:`recorded`, kept with the parent app's status); the
rollout's depends on the generated apps' sync and health now, so it is computed when the set is
shown (:func:`rollout_condition`). Pure data; it must not read or write anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gitward.appsets.declaring import SetReport

__all__ = ["ERROR_OCCURRED", "RESOURCES_UP_TO_DATE", "recorded", "rollout_condition"]

ERROR_OCCURRED = "ErrorOccurred"
PARAMETERS_GENERATED = "ParametersGenerated"
RESOURCES_UP_TO_DATE = "ResourcesUpToDate"
ROLLOUT_PROGRESSING = "RolloutProgressing"


def _condition(kind: str, holds: bool, reason: str, message: str, at: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if holds else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": at,
    }


def recorded(report: SetReport, parent: str | None, now: datetime) -> dict[str, Any]:
    """What is kept of one set after its parent's render: the set as written, where it came
    from, the apps it generated and its conditions."""
    at = now.isoformat()
    if report.error is not None:
        message = report.error.message
        conditions = [
            _condition(ERROR_OCCURRED, True, "ApplicationSetInvalid", message, at),
            _condition(PARAMETERS_GENERATED, False, "ErrorOccurred", message, at),
            _condition(RESOURCES_UP_TO_DATE, False, "ErrorOccurred", message, at),
        ]
    else:
        done = "All applications have been generated successfully"
        conditions = [
            _condition(ERROR_OCCURRED, False, "ApplicationSetUpToDate", done, at),
            _condition(
                PARAMETERS_GENERATED,
                True,
                "ParametersGenerated",
                "Successfully generated parameters for all Applications",
                at,
            ),
            _condition(RESOURCES_UP_TO_DATE, True, "ApplicationSetUpToDate", done, at),
        ]
    return {
        "name": report.name,
        "parent": parent,
        "file": report.file,
        "document": report.document,
        "applications": report.applications,
        "warnings": list(report.warnings),
        "conditions": conditions,
    }


def rollout_condition(
    kept: Mapping[str, Any], statuses: Sequence[tuple[str, str, str, int]], now: datetime
) -> dict[str, Any] | None:
    """``RolloutProgressing`` for a RollingSync set, from its apps' ``(name, sync, health,
    step)``; None for a set without that strategy."""
    spec = kept.get("document", {}).get("spec", {})
    strategy = spec.get("strategy") if isinstance(spec, Mapping) else None
    if not isinstance(strategy, Mapping) or strategy.get("type") != "RollingSync":
        return None
    at = now.isoformat()
    pending = sorted(
        (step, name)
        for name, sync, health, step in statuses
        if (sync, health) != ("Synced", "Healthy")
    )
    if not pending:
        return _condition(
            ROLLOUT_PROGRESSING,
            False,
            "ApplicationSetRolloutComplete",
            "ApplicationSet Rollout has completed",
            at,
        )
    step, name = pending[0]
    return _condition(
        ROLLOUT_PROGRESSING,
        True,
        "ApplicationSetModified",
        f"ApplicationSet is performing rollout of step {step} ({name} is not yet Synced and "
        "Healthy)",
        at,
    )
