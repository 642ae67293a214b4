"""What a container "wrote": the lines ``GET /api/v1/namespaces/NS/pods/NAME/log`` answers.

No process runs in the sandbox, so a container's log is derived from its status: a running
container logs its start-up (listening on its ports), a finished Job container its work, and a
container whose image is marked crashing a Python traceback and an error exit, the way a
release with a missing dependency dies. The refusals are the kubelet's: a container still
waiting to start has no log, ``previous`` needs a container that already terminated, and an
unknown container name is a bad request. This module must not read the store or serve HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitward.sandbox.status import ApiError, bad_request

__all__ = ["LogRequest", "container_log", "is_running"]


@dataclass(frozen=True, slots=True)
class LogRequest:
    """The query of a log request: ``container`` (empty: the only one), ``previous`` (the
    last terminated instance), ``tail_lines`` (None: all), ``timestamps`` (prefix each line)."""

    container: str = ""
    previous: bool = False
    tail_lines: int | None = None
    timestamps: bool = False


_CRASH = [
    "Traceback (most recent call last):",
    '  File "/app/main.py", line 8, in <module>',
    "    from app.server import create_app",
    '  File "/app/app/server.py", line 5, in <module>',
    "    import pydantic_settings",
    "ModuleNotFoundError: No module named 'pydantic_settings'",
]


def container_log(pod: dict[str, Any], query: LogRequest) -> list[str]:
    """The log lines of one container of ``pod`` (newline-terminated strings)."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    containers = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
    name = query.container or _only_container(meta, containers)
    container = next((c for c in containers if c.get("name") == name), None)
    if container is None:
        raise bad_request(f"container {name} is not valid for pod {meta.get('name')}")
    status = _status_of(pod, name)
    state = _instance(status, meta, name, query.previous)
    lines = _lines(container, state, str(meta.get("name", "")))
    if query.tail_lines is not None:
        lines = lines[-query.tail_lines :] if query.tail_lines > 0 else []
    return [f"{stamp} {text}\n" if query.timestamps else f"{text}\n" for stamp, text in lines]


def is_running(pod: dict[str, Any] | None, container: str) -> bool:
    """Whether ``container`` of ``pod`` is still running (a followed log goes on)."""
    if pod is None or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return "running" in ((_status_of(pod, container) or {}).get("state") or {})


def _only_container(meta: dict[str, Any], containers: list[dict[str, Any]]) -> str:
    if len(containers) == 1:
        return str(containers[0].get("name", ""))
    names = " ".join(str(c.get("name", "")) for c in containers)
    raise bad_request(
        f"a container name must be specified for pod {meta.get('name')}, choose one of: [{names}]"
    )


def _status_of(pod: dict[str, Any], name: str) -> dict[str, Any] | None:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return next((s for s in statuses if s.get("name") == name), None)


def _instance(
    status: dict[str, Any] | None, meta: dict[str, Any], name: str, previous: bool
) -> dict[str, Any]:
    """The container state whose log is asked for: current, or the last terminated one."""
    pod = meta.get("name")
    state = (status or {}).get("state") or {}
    last = ((status or {}).get("lastState") or {}).get("terminated")
    if previous:
        if not last:
            raise bad_request(f'previous terminated container "{name}" in pod "{pod}" not found')
        return {"terminated": last}
    if "running" in state or "terminated" in state:
        return dict(state)
    if last:  # restarting after a crash: the kubelet serves the last instance's log
        return {"terminated": last}
    waiting = (state.get("waiting") or {}).get("reason") or "ContainerCreating"
    raise ApiError(
        400, "BadRequest", f'container "{name}" in pod "{pod}" is waiting to start: {waiting}'
    )


def _lines(container: dict[str, Any], state: dict[str, Any], pod: str) -> list[tuple[str, str]]:
    """(timestamp, text) pairs for one container instance."""
    if "running" in state:
        stamp = str((state["running"] or {}).get("startedAt") or "")
        return [(stamp, text) for text in _startup(container, pod)]
    ended = state.get("terminated") or {}
    stamp = str(ended.get("finishedAt") or ended.get("startedAt") or "")
    head = [(stamp, text) for text in _startup(container, pod)[:1]]
    if int(ended.get("exitCode", 0)) == 0:
        return [*head, (stamp, "INFO  work finished, exiting with status 0")]
    return [*head, *((stamp, text) for text in _CRASH)]


def _startup(container: dict[str, Any], pod: str) -> list[str]:
    image = str(container.get("image", ""))
    ports = [p.get("containerPort") for p in container.get("ports") or [] if isinstance(p, dict)]
    lines = [f"INFO  starting {container.get('name', '')} from image {image} on pod {pod}"]
    lines += [f"INFO  listening on 0.0.0.0:{port}" for port in ports if port]
    lines.append("INFO  ready to serve requests")
    return lines
