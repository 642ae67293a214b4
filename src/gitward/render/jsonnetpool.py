"""Jsonnet evaluation in child processes, bounded in time and memory.

:class:`JsonnetRunner` is the seam: given a :class:`JsonnetJob` (a file of a checkout and what
it is given) and a time limit, it returns the JSON text the file evaluates to, or raises
:class:`JsonnetError` saying why not. :class:`JsonnetWorkers`, the real one, keeps a few
:mod:`~gitward.render.jsonnetworker` processes (each with a capped data segment) and hands each
job to an idle one; a worker that is late is killed, one that died (out of memory) is replaced,
and the next job starts a fresh one. A job never runs in gitward's own process, so no Jsonnet
program can hang or exhaust the controller.

It must not decide what a file's output means: that is :mod:`gitward.render.jsonnet`'s job.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from gitward.errors import ToolUnavailableError
from gitward.render import jsonnetworker

__all__ = [
    "JsonnetError",
    "JsonnetJob",
    "JsonnetRunner",
    "JsonnetWorkers",
    "default_runner",
]

_WORKER_SCRIPT: Final = Path(jsonnetworker.__file__)
_START_S: Final = 30.0
DEFAULT_MEMORY_MB: Final = 1024
DEFAULT_WORKERS: Final = 2

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


class _Worker:
    """One child process, asked one job at a time."""

    def __init__(self, memory_limit_mb: int) -> None:
        self.memory_limit_mb = memory_limit_mb
        go_limit = max(memory_limit_mb * 3 // 4, 32)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                str(_WORKER_SCRIPT),
                jsonnetworker.MEMORY_LIMIT_ARG,
                str(memory_limit_mb),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            # GOMEMLIMIT makes the Go collector work harder before the hard limit is reached.
            env={"GOMEMLIMIT": f"{go_limit}MiB"},
        )
        assert self.process.stdout is not None
        if _read_line(self.process.stdout.fileno(), time.monotonic() + _START_S) is None:
            self.stop()
            raise ToolUnavailableError(
                "the Jsonnet evaluator did not start",
                hint="Check that the gojsonnet package is installed in gitward's environment",
            )

    def ask(self, job: JsonnetJob, timeout_s: float) -> dict[str, Any]:
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        deadline = time.monotonic() + timeout_s
        try:
            process.stdin.write(json.dumps(asdict(job)).encode() + b"\n")
            process.stdin.flush()
            line = _read_line(process.stdout.fileno(), deadline)
        except OSError:
            line = None
        if line is None:
            late = time.monotonic() >= deadline
            self.stop()
            if late:
                raise JsonnetError(
                    "the Jsonnet evaluation ran out of time and was stopped", "timeout"
                )
            raise JsonnetError(
                "the Jsonnet evaluation stopped its worker process: it went over its "
                f"{self.memory_limit_mb} MiB memory limit, or crashed",
                "crash",
            )
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else {"error": "unreadable answer"}

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        process = self.process
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


class JsonnetWorkers:
    """Up to ``workers`` Jsonnet processes, reused across jobs and threads."""

    def __init__(
        self, *, workers: int = DEFAULT_WORKERS, memory_limit_mb: int = DEFAULT_MEMORY_MB
    ) -> None:
        self.memory_limit_mb = memory_limit_mb
        self._slots = threading.BoundedSemaphore(workers)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def evaluate(self, job: JsonnetJob, timeout_s: float) -> str:
        """The JSON text ``job``'s file evaluates to."""
        if timeout_s <= 0:
            raise JsonnetError(
                "the Jsonnet evaluation was not started: the render's time had run out", "timeout"
            )
        with self._slots:
            worker = self._take()
            try:
                answer = worker.ask(job, timeout_s)
            finally:
                self._give_back(worker)
        if "json" in answer:
            return str(answer["json"])
        kind: FailureKind = "escape" if answer.get("escape") else "error"
        raise JsonnetError(str(answer.get("error", "failed")), kind)

    def close(self) -> None:
        """Stop every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.stop()
        return _Worker(self.memory_limit_mb)

    def _give_back(self, worker: _Worker) -> None:
        if not worker.alive():
            worker.stop()
            return
        with self._lock:
            self._idle.append(worker)


def _read_line(fd: int, deadline: float) -> bytes | None:
    """One line from ``fd``, or None at end of file or when ``deadline`` passes first."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)


_default: JsonnetWorkers | None = None
_default_lock = threading.Lock()


def default_runner() -> JsonnetWorkers:
    """The process-wide workers, started on first use and stopped at exit."""
    global _default  # noqa: PLW0603 - one lazily started pool per process
    with _default_lock:
        if _default is None:
            _default = JsonnetWorkers()
            atexit.register(_default.close)
        return _default
