"""The Job controller: run pods until ``completions`` succeeded (``parallelism`` at a time),
then mark the Job Complete; CronJobs are accepted and left alone (no schedule runs). A finished
Job with ``ttlSecondsAfterFinished`` is deleted (foreground, as Kubernetes' TTL-after-finished
controller does) that long after this controller saw it finish, scaled by ``time_scale``; its
finalizers keep it Terminating until they are removed.
This module must not decide when a pod finishes; the kubelet simulation does.
"""

from __future__ import annotations

from typing import Any

from gitward.sandbox.controllers.base import (
    Context,
    KindReconciler,
    is_active,
    is_ready,
    owner_reference,
)
from gitward.sandbox.controllers.pods import conditions, pod_from_template
from gitward.sandbox.verbs import utc_now

__all__ = ["JobController"]


def _finished(obj: dict[str, Any]) -> bool:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            return True
    return False


class JobController(KindReconciler):
    name = "jobs"
    api_version = "batch/v1"
    kind = "Job"
    component = "job-controller"
    child_kinds = (("v1", "Pod"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.pods = ctx.rtype("v1", "Pod")
        self._finished_at: dict[str, float] = {}

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        if _finished(obj):
            return self._expire(obj)
        if spec.get("suspend"):
            return None
        pods = self.ctx.owned(self.pods, obj)
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
        active = [p for p in pods if is_active(p)]
        completions = int(spec.get("completions", 1))
        if failed > int(spec.get("backoffLimit", 6)):
            self._fail(obj, succeeded, failed)
            return None
        wanted = min(int(spec.get("parallelism", 1)), completions - succeeded) - len(active)
        for _ in range(max(0, wanted)):
            body = pod_from_template(
                spec.get("template") or {},
                owner_reference(self.rt, obj),
                generate_name=f"{obj['metadata']['name']}-",
            )
            pod = self.ctx.create(self.pods, str(obj["metadata"].get("namespace") or ""), body)
            self.events.record(
                obj, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"
            )
        self._report(obj, succeeded, failed, completions)
        return None

    def _expire(self, obj: dict[str, Any]) -> float | None:
        """Delete a finished Job once its TTL has passed; the delay until then, else None."""
        ttl = (obj.get("spec") or {}).get("ttlSecondsAfterFinished")
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            return None
        uid = str(obj["metadata"]["uid"])
        now = self.ctx.monotonic()
        since = self._finished_at.setdefault(uid, now)
        left = ttl * self.ctx.options.time_scale - (now - since)
        if left > 0:
            return left
        self._finished_at.pop(uid, None)
        self.ctx.delete(self.rt, obj, "Foreground")
        return None

    def _fail(self, obj: dict[str, Any], succeeded: int, failed: int) -> None:
        previous = obj.get("status") or {}
        message = "Job has reached the specified backoff limit"
        wanted = [
            {
                "type": "FailureTarget",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": message,
            },
            {
                "type": "Failed",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": message,
            },
        ]
        status: dict[str, Any] = {
            "startTime": previous.get("startTime") or obj["metadata"].get("creationTimestamp"),
            "failed": failed,
            "ready": 0,
            "terminating": 0,
            "uncountedTerminatedPods": {},
            "conditions": conditions(previous.get("conditions"), wanted),
        }
        if succeeded:
            status["succeeded"] = succeeded
        self.ctx.write_status(self.rt, obj, status)
        self.events.record(obj, "Warning", "BackoffLimitExceeded", message)

    def _report(self, obj: dict[str, Any], succeeded: int, failed: int, completions: int) -> None:
        pods = [p for p in self.ctx.owned(self.pods, obj) if is_active(p)]
        previous = obj.get("status") or {}
        status: dict[str, Any] = {
            "startTime": previous.get("startTime") or obj["metadata"].get("creationTimestamp"),
            "active": len(pods),
            "ready": sum(1 for p in pods if is_ready(p)),
            "succeeded": succeeded,
            "failed": failed,
            "terminating": 0,
            "uncountedTerminatedPods": {},
        }
        status = {k: v for k, v in status.items() if v or k in ("ready", "terminating")}
        if succeeded >= completions:
            status["completionTime"] = utc_now()
            status.pop("active", None)
            wanted = [
                {
                    "type": "SuccessCriteriaMet",
                    "status": "True",
                    "reason": "CompletionsReached",
                    "message": "Reached expected number of succeeded pods",
                },
                {
                    "type": "Complete",
                    "status": "True",
                    "reason": "CompletionsReached",
                    "message": "Reached expected number of succeeded pods",
                },
            ]
            status["conditions"] = conditions(previous.get("conditions"), wanted)
            self.events.record(obj, "Normal", "Completed", "Job completed")
        self.ctx.write_status(self.rt, obj, status)
