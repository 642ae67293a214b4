"""Health of Jobs and CronJobs.

A Job is judged by its conditions, and only conditions whose status is "True" count (Argo CD's
gitops-engine counts a ``Failed`` condition whatever its status). A CronJob follows Argo CD's
built-in script: suspended is Suspended, and a last run that did not succeed is Degraded.
"""

from __future__ import annotations

from datetime import datetime

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["cron_job", "job"]


def _true_condition(obj: Manifest, kind: str) -> dict[str, object] | None:
    found = reading.condition(obj, kind)
    return found if found is not None and found.get("status") == "True" else None


def _detail(condition: dict[str, object]) -> str:
    return str(condition.get("message") or condition.get("reason") or "")


def job(obj: Manifest) -> Health:
    if failed := _true_condition(obj, "Failed"):
        detail = _detail(failed)
        return Health(
            HealthStatus.DEGRADED, f"Job has failed: {detail}" if detail else "Job has failed"
        )
    if _true_condition(obj, "Complete"):
        return Health(HealthStatus.HEALTHY, "Job has completed")
    if suspended := _true_condition(obj, "Suspended"):
        detail = _detail(suspended)
        return Health(
            HealthStatus.SUSPENDED, f"Job is suspended: {detail}" if detail else "Job is suspended"
        )
    if reading.mapping(obj, "spec").get("suspend") is True:
        return Health(HealthStatus.SUSPENDED, "Job is suspended")
    active = reading.integer(obj, "status.active")
    succeeded = reading.integer(obj, "status.succeeded")
    failures = reading.integer(obj, "status.failed")
    return Health(
        HealthStatus.PROGRESSING,
        f"Waiting for the job to complete: {active} active, {succeeded} succeeded, "
        f"{failures} failed pods",
    )


def _timestamp(obj: Manifest, path: str) -> datetime | None:
    value = reading.text(obj, path)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise reading.FieldTypeError(path, "an RFC 3339 time", value) from err


def cron_job(obj: Manifest) -> Health:
    if reading.mapping(obj, "spec").get("suspend") is True:
        return Health(HealthStatus.SUSPENDED, "CronJob is suspended")
    if obj.get("status") is None:
        return Health(HealthStatus.PROGRESSING, "Waiting for the CronJob to be scheduled")
    scheduled = _timestamp(obj, "status.lastScheduleTime")
    if scheduled is None:
        return Health(HealthStatus.HEALTHY, "CronJob has not been scheduled yet")
    return _last_run(obj, scheduled)


def _last_run(obj: Manifest, scheduled: datetime) -> Health:
    succeeded = _timestamp(obj, "status.lastSuccessfulTime")
    if succeeded is None:
        return Health(
            HealthStatus.HEALTHY, "CronJob has never completed successfully; it may not be healthy"
        )
    if reading.sequence(obj, "status.active"):
        return Health(HealthStatus.HEALTHY, "A job of this CronJob is running")
    if succeeded < scheduled:
        return Health(HealthStatus.DEGRADED, "CronJob's last run did not complete successfully")
    return Health(HealthStatus.HEALTHY, "CronJob's last run completed successfully")
