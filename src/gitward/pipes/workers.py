"""Pools of worker processes that answer one JSON line a request, given up on when late.

The jq worker (``gitward.diff``) and the Jsonnet workers (``gitward.render``) run languages that
can loop for ever or eat all memory while holding the interpreter lock, so each runs them in a
child Python script that answers on a pipe. Keeping such children is the same job for both:
start one and wait for its ready line, lend an idle one to a caller (waiting for one when all
are busy), kill one whose answer is late, replace one that died. That job lives here, at the
bottom of the layers, so render and diff (siblings that may not import each other) share it.

It must not know what the children compute, how they limit themselves, or how a failure is
worded for a user: callers say which script to run, and turn the failures raised here (the
subclasses of :class:`WorkerError`) into their own errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from gitward.pipes import read_line

__all__ = [
    "Worker",
    "WorkerDiedError",
    "WorkerError",
    "WorkerLateError",
    "WorkerPool",
    "WorkerScript",
    "WorkerStartError",
    "WorkersBusyError",
]

_START_S: Final = 30.0


class WorkerError(Exception):
    """A worker gave no answer; the caller words it for the user."""


class WorkerStartError(WorkerError):
    """The child did not say it was ready in time (its module is missing, or it crashed)."""


class WorkerLateError(WorkerError):
    """The answer did not come before the deadline: the child was killed."""


class WorkerDiedError(WorkerError):
    """The child ended without answering (most often its own memory limit)."""


class WorkersBusyError(WorkerError):
    """Every worker stayed busy until the caller's deadline."""


@dataclass(frozen=True, slots=True)
class WorkerScript:
    """A plain Python script run as ``python -I script *args`` with exactly ``env``.

    It writes one line when ready, then answers each JSON line on stdin with one JSON line on
    stdout. ``read_size`` is how much of an answer is read at a time (large for large answers).
    """

    script: Path
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    read_size: int = 65536
    start_s: float = _START_S


class Worker:
    """One child process, asked one request at a time."""

    def __init__(self, script: WorkerScript) -> None:
        self.script = script
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(script.script), *script.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(script.env),
        )
        if self._read(time.monotonic() + script.start_s) is None:
            self.stop()
            raise WorkerStartError(f"{script.script.name} did not start")

    def ask(self, request: str, deadline: float) -> dict[str, Any]:
        """The answer to ``request`` (one line of JSON text), read until ``deadline`` (a
        :func:`time.monotonic` time); the child is killed when it gives none."""
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(request.encode() + b"\n")
            stdin.flush()
            line = self._read(deadline)
        except OSError:
            line = None
        if line is None:
            late = time.monotonic() >= deadline
            self.stop()
            raise WorkerLateError() if late else WorkerDiedError()
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

    def _read(self, deadline: float) -> bytes | None:
        stdout = self.process.stdout
        assert stdout is not None
        return read_line(stdout.fileno(), deadline, chunk_size=self.script.read_size)


class WorkerPool:
    """Up to ``size`` workers running ``script``, started on demand, reused across threads."""

    def __init__(self, script: WorkerScript, *, size: int) -> None:
        self.script = script
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Worker] = []
        self._lock = threading.Lock()

    @contextmanager
    def lend(self, *, until: float | None = None) -> Iterator[Worker]:
        """An idle worker (a fresh one when none is), for one caller at a time.

        With ``until`` (a :func:`time.monotonic` time) the wait for a free worker ends then with
        :class:`WorkersBusyError`; without it, the caller waits as long as it takes."""
        wait = None if until is None else max(until - time.monotonic(), 0.0)
        if not self._slots.acquire(timeout=wait):
            raise WorkersBusyError()
        try:
            worker = self._take()
            try:
                yield worker
            finally:
                self._give_back(worker)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _take(self) -> Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.stop()
        return Worker(self.script)

    def _give_back(self, worker: Worker) -> None:
        if not worker.alive():
            worker.stop()
            return
        with self._lock:
            self._idle.append(worker)
