"""The scheduler and the kubelet, simulated: pods get a node, then pull their images and become
Ready after ``pod_ready_after`` seconds, or wait in ImagePullBackOff while an image is marked
missing, or crash and restart with the kubelet's back-off (CrashLoopBackOff, 10 s doubling to
5 min) while it is marked crashing. Pods owned by a Job run for ``job_complete_after`` seconds
more and then succeed.

Also the shared pieces of pod life: building a pod from a template, and conditions that keep
their ``lastTransitionTime`` while their status does not change. This module must not manage
pod counts; the workload controllers do.
"""

from __future__ import annotations

import zlib
from typing import Any

from gitward.sandbox.controllers.base import Context, KindReconciler, controller_ref
from gitward.sandbox.objects import clone
from gitward.sandbox.verbs import utc_now

__all__ = ["Kubelet", "conditions", "pod_from_template"]


def conditions(
    previous: list[dict[str, Any]] | None, wanted: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``wanted`` conditions with transition times kept where the status did not change."""
    before = {c.get("type"): c for c in previous or []}
    now = utc_now()
    result = []
    for condition in wanted:
        old = before.get(condition["type"])
        same = old is not None and old.get("status") == condition["status"]
        stamp = old.get("lastTransitionTime", now) if same and old else now
        result.append({**condition, "lastTransitionTime": stamp})
    return result


def pod_from_template(
    template: dict[str, Any],
    owner_ref: dict[str, Any],
    *,
    name: str = "",
    generate_name: str = "",
    labels: dict[str, str] | None = None,
    node_name: str = "",
) -> dict[str, Any]:
    """A Pod body built from a workload's pod template."""
    meta = clone(template.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), **(labels or {})}
    meta["ownerReferences"] = [owner_ref]
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name
    spec = clone(template.get("spec") or {})
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


class Kubelet(KindReconciler):
    """Pods from scheduled to Running/Ready (or stuck pulling, or Succeeded for Job pods)."""

    name = "pods"
    kind = "Pod"
    component = "kubelet"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._first_seen: dict[str, float] = {}
        self._crashed_at: dict[str, float] = {}

    def sync(self, obj: dict[str, Any]) -> float | None:
        spec = obj.get("spec") or {}
        if not spec.get("nodeName"):
            return self._schedule(obj)
        status = obj.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed"):
            return None
        started = self._first_seen.setdefault(obj["metadata"]["uid"], self.ctx.monotonic())
        elapsed = self.ctx.monotonic() - started
        if status.get("phase") != "Running":
            missing = [c for c in _containers(obj) if self.ctx.faults.is_missing(_image(c))]
            if missing or elapsed < self.ctx.options.pod_ready_after:
                return self._pulling(obj, missing, elapsed)
        return self._run(obj, elapsed)

    def _pulling(
        self, obj: dict[str, Any], missing: list[dict[str, Any]], elapsed: float
    ) -> float | None:
        """Still pulling: back off on missing images, else wait out ``pod_ready_after``."""
        if missing:
            self._back_off(obj, missing)
            return None
        self.ctx.write_status(self.rt, obj, self._waiting(obj, []))
        return self.ctx.options.pod_ready_after - elapsed

    def _run(self, obj: dict[str, Any], elapsed: float) -> float | None:
        """Pulled: crash, run, or (a Job's pod) run and then succeed."""
        completes = (controller_ref(obj) or {}).get("kind") == "Job"
        crashing = [c for c in _containers(obj) if self.ctx.faults.is_crashing(_image(c))]
        if crashing:
            never = (obj.get("spec") or {}).get("restartPolicy") == "Never"
            return self._crash(obj, crashing, fails=completes or never)
        self._crashed_at.pop(str(obj["metadata"]["uid"]), None)
        finish_at = self.ctx.options.pod_ready_after + self.ctx.options.job_complete_after
        if completes and elapsed >= finish_at:
            self.ctx.write_status(self.rt, obj, self._succeeded(obj))
            self._first_seen.pop(obj["metadata"]["uid"], None)
            return None
        if (obj.get("status") or {}).get("phase") != "Running":
            for container in _containers(obj):
                self._started(obj, container)
        self.ctx.write_status(self.rt, obj, self._running(obj))
        return finish_at - elapsed if completes else None

    def _crash(
        self, obj: dict[str, Any], crashing: list[dict[str, Any]], fails: bool
    ) -> float | None:
        """Containers exit 1: a pod that does not restart them fails; others restart after a
        back-off that doubles from 10 s to 5 min (the kubelet's), each restart counted."""
        uid = str(obj["metadata"]["uid"])
        restarts = _restarts(obj.get("status"))
        if not fails and restarts:
            since = self._crashed_at.setdefault(uid, self.ctx.monotonic())
            wait = _crash_back_off(restarts, self.ctx.options.crash_back_off) - (
                self.ctx.monotonic() - since
            )
            if wait > 0:
                return wait
        status = self._crashed(obj, crashing, fails, restarts + 1)
        self.ctx.write_status(self.rt, obj, status)
        self._crashed_at[uid] = self.ctx.monotonic()
        for container in crashing:
            self.events.record(
                obj,
                "Warning",
                "BackOff",
                f"Back-off restarting failed container {container.get('name')} in pod "
                f"{obj['metadata']['name']}",
            )
        return None if fails else _crash_back_off(restarts + 1, self.ctx.options.crash_back_off)

    def _crashed(
        self, obj: dict[str, Any], crashing: list[dict[str, Any]], fails: bool, restarts: int
    ) -> dict[str, Any]:
        status = self._base(obj, "Failed" if fails else "Running", ready=False)
        names = {c.get("name") for c in crashing}
        error = {"exitCode": 1, "reason": "Error", "finishedAt": utc_now()}
        statuses = []
        for container in _containers(obj):
            if container.get("name") not in names:
                statuses.append(_container_status(container, state={"running": {}}, ready=False))
            elif fails:
                statuses.append(
                    _container_status(container, state={"terminated": error}, ready=False)
                )
            else:
                waiting = {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off restarting failed container {container.get('name')}",
                }
                item = _container_status(container, state={"waiting": waiting}, ready=False)
                item.update(restartCount=restarts, lastState={"terminated": error})
                statuses.append(item)
        status["containerStatuses"] = statuses
        return status

    def _back_off(self, obj: dict[str, Any], missing: list[dict[str, Any]]) -> None:
        before = obj.get("status")
        after = self.ctx.write_status(self.rt, obj, self._waiting(obj, missing)).get("status")
        if after == before:
            return
        for container in missing:
            image = _image(container)
            self.events.record(
                obj, "Warning", "Failed", f'Failed to pull image "{image}": not found'
            )
            self.events.record(obj, "Normal", "BackOff", f'Back-off pulling image "{image}"')

    def _started(self, obj: dict[str, Any], container: dict[str, Any]) -> None:
        image, name = _image(container), container.get("name", "")
        self.events.record(
            obj, "Normal", "Pulled", f'Container image "{image}" already present on machine'
        )
        self.events.record(obj, "Normal", "Created", f"Created container: {name}")
        self.events.record(obj, "Normal", "Started", f"Started container {name}")

    def _schedule(self, obj: dict[str, Any]) -> float | None:
        nodes = max(1, self.ctx.options.node_count)
        index = zlib.crc32(obj["metadata"]["name"].encode()) % nodes
        scheduled = clone(obj)
        node = f"sandbox-node-{index}"
        scheduled.setdefault("spec", {})["nodeName"] = node
        self.ctx.update(self.rt, scheduled)
        meta = obj["metadata"]
        message = f"Successfully assigned {meta.get('namespace')}/{meta['name']} to {node}"
        self.events.record(obj, "Normal", "Scheduled", message)
        return None

    def _base(self, obj: dict[str, Any], phase: str, ready: bool) -> dict[str, Any]:
        previous = obj.get("status") or {}
        state = "True" if ready else "False"
        names = ", ".join(c.get("name", "") for c in _containers(obj))
        not_ready = {} if ready else {"reason": "ContainersNotReady"}
        if not ready:
            not_ready["message"] = f"containers with unready status: [{names}]"
        wanted = [
            {"type": "PodReadyToStartContainers", "status": "True"},
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": state, **not_ready},
            {"type": "ContainersReady", "status": state, **not_ready},
            {"type": "PodScheduled", "status": "True"},
        ]
        number = zlib.crc32(obj["metadata"]["uid"].encode()) % 250 + 2
        return {
            "phase": phase,
            "conditions": conditions(previous.get("conditions"), wanted),
            "hostIP": "10.0.0.1",
            "hostIPs": [{"ip": "10.0.0.1"}],
            "podIP": f"10.244.0.{number}",
            "podIPs": [{"ip": f"10.244.0.{number}"}],
            "startTime": obj["metadata"].get("creationTimestamp"),
            "qosClass": previous.get("qosClass", "BestEffort"),
        }

    def _waiting(self, obj: dict[str, Any], missing: list[dict[str, Any]]) -> dict[str, Any]:
        status = self._base(obj, "Pending", ready=False)
        absent = {c.get("name") for c in missing}
        status["containerStatuses"] = [
            _container_status(
                c,
                state={
                    "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": f'Back-off pulling image "{_image(c)}"',
                    }
                }
                if c.get("name") in absent
                else {"waiting": {"reason": "ContainerCreating"}},
                ready=False,
            )
            for c in _containers(obj)
        ]
        return status

    def _running(self, obj: dict[str, Any]) -> dict[str, Any]:
        status = self._base(obj, "Running", ready=True)
        previous = {
            s.get("name"): s for s in (obj.get("status") or {}).get("containerStatuses") or []
        }
        started: dict[str, Any] = {}
        for c in _containers(obj):
            old_state = (previous.get(c.get("name")) or {}).get("state") or {}
            started[c.get("name", "")] = old_state.get("running") or {"startedAt": utc_now()}
        status["containerStatuses"] = [
            _container_status(c, state={"running": started[c.get("name", "")]}, ready=True)
            for c in _containers(obj)
        ]
        return status

    def _succeeded(self, obj: dict[str, Any]) -> dict[str, Any]:
        status = self._base(obj, "Succeeded", ready=False)
        for condition in status["conditions"]:
            if condition["type"] in ("Ready", "ContainersReady"):
                condition["reason"] = "PodCompleted"
                condition.pop("message", None)
        finished = {"exitCode": 0, "reason": "Completed", "finishedAt": utc_now()}
        status["containerStatuses"] = [
            _container_status(c, state={"terminated": finished}, ready=False)
            for c in _containers(obj)
        ]
        return status


def _restarts(status: Any) -> int:
    """How often a container of a pod in CrashLoopBackOff has restarted (0: not crashing)."""
    statuses = (status or {}).get("containerStatuses") or []
    return max(
        (
            int(s.get("restartCount", 0))
            for s in statuses
            if ((s.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"
        ),
        default=0,
    )


def _crash_back_off(restarts: int, first: float) -> float:
    """Seconds before restart number ``restarts + 1``: ``first`` doubling, at most 30 times it
    (the kubelet's 10 s to 5 min)."""
    return float(min(first * 2 ** max(restarts - 1, 0), 30 * first))


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in (obj.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]


def _image(container: dict[str, Any]) -> str:
    return str(container.get("image", ""))


def _container_status(
    container: dict[str, Any], *, state: dict[str, Any], ready: bool
) -> dict[str, Any]:
    running = "running" in state
    image = _image(container)
    return {
        "name": container.get("name", ""),
        "image": image,
        "imageID": f"{image}@sha256:{'0' * 64}" if running or "terminated" in state else "",
        "ready": ready,
        "restartCount": 0,
        "started": running,
        "state": state,
    }
