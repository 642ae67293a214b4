"""Jsonnet evaluation in child processes, bounded in time and memory.

:class:`JsonnetRunner` is the seam: given a :class:`JsonnetJob` (a file of a checkout and what
it is given) and a time limit, it returns the JSON text the file evaluates to, or raises
:class:`JsonnetError` saying why not. :class:`JsonnetWorkers`, the real one, keeps a few
:mod:`~gitward.render.jsonnetworker` processes (each with a capped data segment) and hands each
job to an idle one; a worker that is late is killed, one that died (out of memory) is replaced,
and the next job starts a fresh one (the pool of :mod:`gitward.pipes.workers`, which the jq
worker shares; the limits, the environment and the messages are this module's). A job never
runs in gitward's own process, so no Jsonnet program can hang or exhaust the controller.

It must not decide what a file's output means: that is :mod:`gitward.render.jsonnet`'s job.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from gitward.errors import ToolUnavailableError
from gitward.pipes.workers import (
    WorkerDiedError,
    WorkerLateError,
    WorkerPool,
    WorkersBusyError,
    WorkerScript,
    WorkerStartError,
)
from gitward.render import jsonnetworker

__all__ = [
    "JsonnetError",
    "JsonnetJob",
    "JsonnetRunner",
    "JsonnetWorkers",
    "default_runner",
    "worker_memory_mb",
]

_WORKER_SCRIPT: Final = Path(jsonnetworker.__file__)
_CHUNK: Final = 1 << 20
DEFAULT_MEMORY_MB: Final = 1024
DEFAULT_WORKERS: Final = 2
_MIN_MEMORY_MB: Final = 128
_CGROUP: Final = Path("/sys/fs/cgroup")
_UNLIMITED_BYTES: Final = 1 << 60  # cgroup v1 writes "no limit" as a huge number

FailureKind = Literal["error", "escape", "timeout", "crash"]


@dataclass(frozen=True, slots=True)
class JsonnetJob:
    """One file to evaluate; every path is relative to the checkout ``root``.

    ``search`` lists the library directories searched for imports after the importing file's
    own directory, the last first (the source directory, then ``libs``).
    """

    root: str
    file: str
    search: tuple[str, ...] = ()
    tla_vars: dict[str, str] = field(default_factory=dict)
    tla_codes: dict[str, str] = field(default_factory=dict)
    ext_vars: dict[str, str] = field(default_factory=dict)
    ext_codes: dict[str, str] = field(default_factory=dict)
    max_output_bytes: int = 64 * 1024 * 1024
    max_stack: int = 500


class JsonnetError(Exception):
    """A job did not produce output: ``kind`` says whether Jsonnet failed (``error``), an import
    left the repository (``escape``), the time ran out (``timeout``) or the worker died
    (``crash``, which is almost always its memory limit)."""

    def __init__(self, message: str, kind: FailureKind) -> None:
        super().__init__(message)
        self.message = message
        self.kind: FailureKind = kind


class JsonnetRunner(Protocol):
    """Evaluates Jsonnet jobs; raises :class:`JsonnetError` when one gives no output."""

    def evaluate(self, job: JsonnetJob, timeout_s: float) -> str: ...


class JsonnetWorkers:
    """Up to ``workers`` Jsonnet processes, reused across jobs and threads."""

    def __init__(
        self, *, workers: int = DEFAULT_WORKERS, memory_limit_mb: int = DEFAULT_MEMORY_MB
    ) -> None:
        self.memory_limit_mb = memory_limit_mb
        self._pool = WorkerPool(_script(memory_limit_mb), size=workers)

    def evaluate(self, job: JsonnetJob, timeout_s: float) -> str:
        """The JSON text ``job``'s file evaluates to."""
        if timeout_s <= 0:
            raise JsonnetError(
                "the Jsonnet evaluation was not started: the render's time had run out", "timeout"
            )
        answer = self._ask(job, time.monotonic() + timeout_s)
        if "json" in answer:
            return str(answer["json"])
        kind: FailureKind = "escape" if answer.get("escape") else "error"
        raise JsonnetError(str(answer.get("error", "failed")), kind)

    def close(self) -> None:
        """Stop every idle worker."""
        self._pool.close()

    def _ask(self, job: JsonnetJob, deadline: float) -> dict[str, Any]:
        try:
            # Waiting for a worker counts against the render's time: several apps queued
            # behind slow files must not each wait for the others' whole time limits first.
            with self._pool.lend(until=deadline) as worker:
                remaining = max(deadline - time.monotonic(), 0.001)
                request = {**asdict(job), jsonnetworker.CPU_LIMIT_KEY: remaining}
                return worker.ask(json.dumps(request), time.monotonic() + remaining)
        except WorkersBusyError as failure:
            raise JsonnetError(
                "the Jsonnet evaluation was not started: every worker stayed busy until the "
                "render's time ran out",
                "timeout",
            ) from failure
        except WorkerStartError as failure:
            raise ToolUnavailableError(
                "the Jsonnet evaluator did not start",
                hint="Check that the gojsonnet package is installed in gitward's environment",
            ) from failure
        except WorkerLateError as failure:
            raise JsonnetError(
                "the Jsonnet evaluation ran out of time and was stopped", "timeout"
            ) from failure
        except WorkerDiedError as failure:
            raise JsonnetError(
                "the Jsonnet evaluation stopped its worker process: it went over its "
                f"{self.memory_limit_mb} MiB memory limit, or crashed",
                "crash",
            ) from failure


def _script(memory_limit_mb: int) -> WorkerScript:
    """The worker script, its data segment capped at ``memory_limit_mb``."""
    go_limit = max(memory_limit_mb * 3 // 4, 32)
    return WorkerScript(
        _WORKER_SCRIPT,
        (jsonnetworker.MEMORY_LIMIT_ARG, str(memory_limit_mb)),
        # GOMEMLIMIT makes the Go collector work harder before the hard limit is reached;
        # GOMAXPROCS keeps one (single-threaded) evaluation from fanning its collector out
        # over every core of the node, which Go would do whatever the pod's CPU limit.
        env={
            "GOMEMLIMIT": f"{go_limit}MiB",
            jsonnetworker.GO_THREADS_ENV: str(jsonnetworker.GO_THREADS),
        },
        read_size=_CHUNK,  # answers run to megabytes: read them in large pieces
    )


def worker_memory_mb(
    cgroup: Path = _CGROUP, *, workers: int = DEFAULT_WORKERS, default: int = DEFAULT_MEMORY_MB
) -> int:
    """Each worker's memory limit: ``default``, or less when gitward runs in a memory-limited
    cgroup (a container), so that ``workers`` full workers and gitward itself fit in it.

    Without this, two workers of 1 GiB in a pod limited to 1 GiB let one Jsonnet file get the
    whole container OOM-killed instead of its worker: a share of the limit per worker, two shares
    left to gitward."""
    limit = _cgroup_memory_limit(cgroup)
    if limit is None:
        return default
    share = limit // (1024 * 1024) // (workers + 2)
    return max(min(default, share), _MIN_MEMORY_MB)


def _cgroup_memory_limit(cgroup: Path) -> int | None:
    """The memory limit of this process's cgroup in bytes (v2's ``memory.max`` or v1's
    ``memory.limit_in_bytes``); None when there is none or it cannot be read."""
    for name in ("memory.max", "memory/memory.limit_in_bytes"):
        try:
            text = (cgroup / name).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < _UNLIMITED_BYTES:
            return int(text)
        return None
    return None


_default: JsonnetWorkers | None = None
_default_lock = threading.Lock()


def default_runner() -> JsonnetWorkers:
    """The process-wide workers, started on first use and stopped at exit."""
    global _default  # noqa: PLW0603 - one lazily started pool per process
    with _default_lock:
        if _default is None:
            _default = JsonnetWorkers(memory_limit_mb=worker_memory_mb())
            atexit.register(_default.close)
        return _default
