"""Health of a Pod: phase, readiness, and containers stuck waiting or crashing.

Like Argo CD, a container waiting with an error reason (``ErrImagePull``, ``CrashLoopBackOff``,
``CreateContainerConfigError``...) makes a long-running pod (restartPolicy Always) Degraded at once,
while a pod that is meant to finish (Never/OnFailure, typically a hook) only becomes Degraded when
it fails, so a hook whose image is late to appear is not failed early. Unlike Argo CD, init
containers count too and every message names the container.
"""

from __future__ import annotations

from typing import Any

from gitward.health import reading
from gitward.health.status import Health, HealthStatus
from gitward.model.objects import Manifest

__all__ = ["pod"]

IGNORE_RESTART_POLICY = "argocd.argoproj.io/ignore-restart-policy"


def _statuses(obj: Manifest) -> list[dict[str, Any]]:
    found = reading.sequence(obj, "status.initContainerStatuses")
    found = found + reading.sequence(obj, "status.containerStatuses")
    return [entry for entry in found if isinstance(entry, dict)]


def _state(status: dict[str, Any], which: str, name: str) -> dict[str, Any]:
    states = status.get(which)
    value = states.get(name) if isinstance(states, dict) else None
    return value if isinstance(value, dict) else {}


def _is_error_reason(reason: str) -> bool:
    return reason.startswith("Err") or reason.endswith(("Error", "BackOff"))


def _waiting_errors(obj: Manifest) -> list[str]:
    problems = []
    for status in _statuses(obj):
        waiting = _state(status, "state", "waiting")
        reason = str(waiting.get("reason") or "")
        if reason and _is_error_reason(reason):
            detail = str(waiting.get("message") or "").strip()
            line = f'Container "{status.get("name", "?")}" is in {reason}'
            problems.append(f"{line}: {detail}" if detail else line)
    return problems


def _termination(status: dict[str, Any], which: str) -> str:
    ended = _state(status, which, "terminated")
    if not ended:
        return ""
    name = status.get("name", "?")
    if ended.get("message"):
        return f'Container "{name}" terminated: {str(ended["message"]).strip()}'
    if ended.get("reason") == "OOMKilled":
        return f'Container "{name}" was killed for running out of memory (OOMKilled)'
    code = ended.get("exitCode")
    if isinstance(code, int) and code != 0:
        return f'Container "{name}" failed with exit code {code}'
    return ""


def _is_ready(obj: Manifest) -> bool:
    ready = reading.condition(obj, "Ready")
    return ready is not None and ready.get("status") == "True"


def _pending(obj: Manifest) -> Health:
    detail = reading.text(obj, "status.message")
    scheduled = reading.condition(obj, "PodScheduled")
    if not detail and scheduled is not None and scheduled.get("status") == "False":
        detail = str(scheduled.get("message") or scheduled.get("reason") or "")
    return Health(
        HealthStatus.PROGRESSING, f"Pod is pending: {detail}" if detail else "Pod is pending"
    )


def _failed(obj: Manifest) -> Health:
    detail = reading.text(obj, "status.message")
    if not detail:
        found = (_termination(status, "state") for status in _statuses(obj))
        detail = next((line for line in found if line), "")
    return Health(
        HealthStatus.DEGRADED, f"Pod has failed: {detail}" if detail else "Pod has failed"
    )


def _running(obj: Manifest, restart_policy: str) -> Health:
    finite = restart_policy in ("Never", "OnFailure")
    if finite and IGNORE_RESTART_POLICY not in reading.annotations_of(obj):
        return Health(HealthStatus.PROGRESSING, "Pod is running and has not finished yet")
    if _is_ready(obj):
        return Health(HealthStatus.HEALTHY)
    for status in _statuses(obj):
        crashed = _termination(status, "lastState")
        if crashed:
            restarts = status.get("restartCount", 0)
            return Health(HealthStatus.DEGRADED, f"{crashed}; it has restarted {restarts} times")
        if _state(status, "lastState", "terminated"):
            return Health(HealthStatus.DEGRADED, f'Container "{status.get("name", "?")}" restarted')
    return Health(HealthStatus.PROGRESSING, "Waiting for the pod to become ready")


def pod(obj: Manifest) -> Health:
    restart_policy = reading.text(obj, "spec.restartPolicy", default="Always")
    if restart_policy == "Always" and (problems := _waiting_errors(obj)):
        return Health(HealthStatus.DEGRADED, "; ".join(problems))
    phase = reading.text(obj, "status.phase")
    if phase == "Pending":
        return _pending(obj)
    if phase == "Succeeded":
        return Health(HealthStatus.HEALTHY, "Pod has completed")
    if phase == "Failed":
        return _failed(obj)
    if phase == "Running":
        return _running(obj, restart_policy)
    shown = f'"{phase}"' if phase else "no phase"
    return Health(HealthStatus.UNKNOWN, f"Pod reports {shown}")
