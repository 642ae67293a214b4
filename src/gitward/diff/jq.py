"""jq path expressions with a time limit, so that an ``ignoreDifferences`` rule cannot hang the
controller.

:class:`JqRunner` is the seam: given an expression and a document it returns the paths the
expression selects (jq's ``path(...)``). :class:`JqWorker`, the real one, evaluates them in a
child process (:mod:`gitward.diff.jqworker`) with a bounded address space and kills it when an
answer takes longer than the time limit; the next call starts a fresh one. Argo CD runs gojq
under a context deadline and, on timeout, logs at debug level and silently skips the rule;
here a late or failing expression is a :class:`~gitward.errors.ConfigError` the comparison
reports, naming the expression.

This is the only place the diff engine starts a process; it reads and writes nothing else.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import threading
import time
from pathlib import Path as FilePath
from typing import Any, Final, Protocol

from gitward.diff import jqworker
from gitward.diff.paths import Path
from gitward.errors import ConfigError
from gitward.pipes import read_line

__all__ = ["DEFAULT_TIMEOUT_S", "JqRunner", "JqWorker", "default_runner"]

DEFAULT_TIMEOUT_S: Final = 1.0
"""As Argo CD's ``ignore.normalizer.jq.timeout`` default."""

_WORKER_SCRIPT: Final = FilePath(jqworker.__file__)
_START_S: Final = 30.0
_HINT: Final = 'Use a jq path expression such as .spec.replicas or .metadata.labels["x"]'


class JqRunner(Protocol):
    """Evaluates jq path expressions; raises ``ConfigError`` when one fails or is too slow."""

    def paths(self, expression: str, document: Any) -> list[Path]: ...


class JqWorker:
    """A jq child process reused across calls, killed and restarted when a call is late."""

    def __init__(
        self, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_limit_mb: int = 1024
    ) -> None:
        self.timeout_s = timeout_s
        self._memory_limit_mb = memory_limit_mb
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def paths(self, expression: str, document: Any) -> list[Path]:
        """The paths ``expression`` selects in ``document``."""
        body = {"expression": expression, "document": document}
        # default=str: a YAML manifest may hold timestamps, which jq sees as strings.
        request = json.dumps(body, default=str).encode() + b"\n"
        with self._lock:
            answer = self._ask(request, expression)
        if "error" in answer:
            raise ConfigError(
                f"the jq expression {expression!r} failed: {answer['error']}", hint=_HINT
            )
        return [
            tuple(path)
            for path in answer.get("paths", [])
            if all(isinstance(part, str | int) for part in path)
        ]

    def close(self) -> None:
        """Stop the child process, if one runs."""
        with self._lock:
            self._stop()

    def _ask(self, request: bytes, expression: str) -> dict[str, Any]:
        process = self._running()
        assert process.stdin is not None and process.stdout is not None
        deadline = time.monotonic() + self.timeout_s
        try:
            process.stdin.write(request)
            process.stdin.flush()
            line = read_line(process.stdout.fileno(), deadline)
        except OSError:
            line = None
        if line is None:
            late = time.monotonic() >= deadline
            self._stop()
            problem = (
                f"the jq expression {expression!r} ran longer than {self.timeout_s:g} s "
                "and was stopped"
                if late
                else f"the jq expression {expression!r} stopped the evaluator"
            )
            raise ConfigError(problem, hint="Simplify the expression, or u" + _HINT[1:])
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else {"error": "unreadable answer"}

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    str(_WORKER_SCRIPT),
                    jqworker.MEMORY_LIMIT_ARG,
                    str(self._memory_limit_mb),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={},
            )
            assert self._process.stdout is not None
            ready = read_line(self._process.stdout.fileno(), time.monotonic() + _START_S)
            if ready is None:
                self._stop()
                raise ConfigError(
                    "the jq evaluator did not start",
                    hint="Check that the jq package is installed in gitward's environment",
                )
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


_default: JqWorker | None = None
_default_lock = threading.Lock()


def default_runner() -> JqWorker:
    """The process-wide worker, started on first use and stopped at exit."""
    global _default  # noqa: PLW0603 - one lazily started worker per process
    with _default_lock:
        if _default is None:
            _default = JqWorker()
            atexit.register(_default.close)
        return _default
