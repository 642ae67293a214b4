"""``gitward server`` as a process of its own, as an operator starts it: ``python -m gitward``
with the operator's arguments, waited on until it prints its URL and admin password (never a
sleep), and stopped at the end; a ``gitward`` command run to its end; and the output of a
long-running command (``gitward demo``, ``gitward sandbox``) read line by line on a thread, to
wait on a line it prints."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

_URL_LINE = re.compile(r"serving on (https?://\S+)")
_PASSWORD_LINE = re.compile(r"admin password[^:]*: (\S+)")
START_TIMEOUT_S = 60.0


def server_args(data_dir: Path, *more: str) -> list[str]:
    """``server`` on a free port keeping its data in ``data_dir``, then ``more`` arguments."""
    return ["server", "--port", "0", "--data-dir", str(data_dir), *more]


def run_gitward(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m gitward ARGS`` run to its end in ``cwd`` with ``env`` added to this
    environment; its exit code, stdout and stderr (it fails the test after ``timeout`` s)."""
    return subprocess.run(
        [sys.executable, "-m", "gitward", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def gitward_process(
    args: Sequence[str], env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """``python -m gitward ARGS`` with ``env`` added to this environment; its output (stdout and
    stderr together) to read."""
    return subprocess.Popen(
        [sys.executable, "-m", "gitward", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def announced(
    process: subprocess.Popen[str], *, seen: list[str] | None = None, password: str = ""
) -> tuple[str, str]:
    """The URL and admin password a starting ``gitward server`` prints, every line read kept in
    ``seen``; ``password`` when already known (a server on a database whose admin another server
    made prints none). Fails with the output when it does not start in time."""
    seen = [] if seen is None else seen
    url = ""
    deadline = time.monotonic() + START_TIMEOUT_S
    assert process.stdout is not None
    while not (url and password) and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        url = url or (m.group(1) if (m := _URL_LINE.search(line)) else "")
        password = password or (m.group(1) if (m := _PASSWORD_LINE.search(line)) else "")
    assert url and password, "the server did not start:\n" + "".join(seen)
    return url, password


@contextlib.contextmanager
def serving(args: Sequence[str], env: Mapping[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """``gitward ARGS`` (a ``server`` command) running; its (URL, admin password) until the end."""
    process = gitward_process(args, env)
    try:
        yield announced(process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def output_lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's output, line by line, as a thread reads it ("" at the end)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return lines


def read_until(output: queue.Queue[str], marker: str, within: float) -> list[str]:
    """Output lines up to and including the first holding ``marker``; fail after ``within``."""
    deadline = time.monotonic() + within
    lines: list[str] = []
    while not any(marker in line for line in lines):
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} within {within} s: {lines}"
        try:
            line = output.get(timeout=left)
        except queue.Empty:
            continue
        assert line, f"the process exited early: {lines}"
        lines.append(line)
    return lines
