"""jq path expressions with a time limit, so that an ``ignoreDifferences`` rule cannot hang the
controller.

:class:`JqRunner` is the seam: given an expression and a document it returns the paths the
expression selects (jq's ``path(...)``). :class:`JqWorker`, the real one, evaluates them in a
child process (:mod:`gitward.diff.jqworker`) with a bounded address space and kills it when an
answer takes longer than the time limit; the next call starts a fresh one. Argo CD runs gojq
under a context deadline and, on timeout, logs at debug level and silently skips the rule;
here a late or failing expression is a :class:`~gitward.errors.ConfigError` the comparison
reports, naming the expression.

This is the only place the diff engine starts a process (through the worker pool of
:mod:`gitward.pipes.workers`, which the Jsonnet workers share); it reads and writes nothing else.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from pathlib import Path as FilePath
from typing import Any, Final, Protocol

from gitward.diff import jqworker
from gitward.diff.paths import Path
from gitward.errors import ConfigError
from gitward.pipes.workers import (
    WorkerDiedError,
    WorkerLateError,
    WorkerPool,
    WorkerScript,
    WorkerStartError,
)

__all__ = ["DEFAULT_TIMEOUT_S", "JqRunner", "JqWorker", "default_runner"]

DEFAULT_TIMEOUT_S: Final = 1.0
"""As Argo CD's ``ignore.normalizer.jq.timeout`` default."""

_WORKER_SCRIPT: Final = FilePath(jqworker.__file__)
_HINT: Final = 'Use a jq path expression such as .spec.replicas or .metadata.labels["x"]'
_SIMPLIFY: Final = "Simplify the expression, or u" + _HINT[1:]


class JqRunner(Protocol):
    """Evaluates jq path expressions; raises ``ConfigError`` when one fails or is too slow."""

    def paths(self, expression: str, document: Any) -> list[Path]: ...


class JqWorker:
    """A jq child process reused across calls, killed and restarted when a call is late."""

    def __init__(
        self, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_limit_mb: int = 1024
    ) -> None:
        self.timeout_s = timeout_s
        script = WorkerScript(_WORKER_SCRIPT, (jqworker.MEMORY_LIMIT_ARG, str(memory_limit_mb)))
        # One process: an expression takes milliseconds, and callers queue for it without a
        # bound (only the answer is timed, as Argo CD times only the evaluation).
        self._pool = WorkerPool(script, size=1)

    def paths(self, expression: str, document: Any) -> list[Path]:
        """The paths ``expression`` selects in ``document``."""
        body = {"expression": expression, "document": document}
        # default=str: a YAML manifest may hold timestamps, which jq sees as strings.
        answer = self._ask(json.dumps(body, default=str), expression)
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
        self._pool.close()

    def _ask(self, request: str, expression: str) -> dict[str, Any]:
        try:
            with self._pool.lend() as worker:
                return worker.ask(request, time.monotonic() + self.timeout_s)
        except WorkerStartError as failure:
            raise ConfigError(
                "the jq evaluator did not start",
                hint="Check that the jq package is installed in gitward's environment",
            ) from failure
        except WorkerLateError as failure:
            problem = (
                f"the jq expression {expression!r} ran longer than {self.timeout_s:g} s "
                "and was stopped"
            )
            raise ConfigError(problem, hint=_SIMPLIFY) from failure
        except WorkerDiedError as failure:
            problem = f"the jq expression {expression!r} stopped the evaluator"
            raise ConfigError(problem, hint=_SIMPLIFY) from failure


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
