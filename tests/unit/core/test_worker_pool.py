"""The worker pool the jq and Jsonnet workers share: a late worker is killed, a dead one replaced,
a busy pool waits only as long as the caller allows, and a script that never says it is ready is
reported as such."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitward.pipes.workers import (
    WorkerDiedError,
    WorkerLateError,
    WorkerPool,
    WorkersBusyError,
    WorkerScript,
    WorkerStartError,
)

# Answers {"pid": ...}; sleeps on {"sleep": s}; exits without answering on {"die": true}.
ECHO = """
import json, os, sys, time
sys.stdout.write('{"ready": true}\\n'); sys.stdout.flush()
for line in sys.stdin:
    request = json.loads(line)
    if request.get("die"):
        sys.exit(3)
    time.sleep(request.get("sleep", 0))
    sys.stdout.write(json.dumps({"pid": os.getpid(), "env": dict(os.environ)}) + "\\n")
    sys.stdout.flush()
"""


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[WorkerPool]:
    script = tmp_path / "echo.py"
    script.write_text(ECHO)
    workers = WorkerPool(WorkerScript(script, env={"ONLY": "this"}), size=1)
    yield workers
    workers.close()


def ask(pool: WorkerPool, request: dict[str, object], timeout_s: float = 10) -> dict[str, object]:
    with pool.lend() as worker:
        return worker.ask(json.dumps(request), time.monotonic() + timeout_s)


def test_a_worker_is_reused_and_sees_only_the_environment_it_is_given(pool: WorkerPool) -> None:
    first = ask(pool, {})
    second = ask(pool, {})

    assert first["pid"] == second["pid"]
    env = first["env"]
    assert isinstance(env, dict) and env["ONLY"] == "this" and "PATH" not in env


def test_a_late_worker_is_killed_and_the_next_request_gets_a_fresh_one(pool: WorkerPool) -> None:
    before = ask(pool, {})

    with pytest.raises(WorkerLateError):
        ask(pool, {"sleep": 30}, timeout_s=0.3)

    assert ask(pool, {})["pid"] != before["pid"]


def test_a_worker_that_dies_is_reported_and_replaced(pool: WorkerPool) -> None:
    before = ask(pool, {})

    with pytest.raises(WorkerDiedError):
        ask(pool, {"die": True})

    assert ask(pool, {})["pid"] != before["pid"]


def test_a_caller_with_a_deadline_stops_waiting_for_a_busy_pool(pool: WorkerPool) -> None:
    busy = threading.Event()

    def hold() -> None:
        with pool.lend() as worker:
            busy.set()
            worker.ask(json.dumps({"sleep": 1}), time.monotonic() + 10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert busy.wait(10)
        with pytest.raises(WorkersBusyError), pool.lend(until=time.monotonic() + 0.1):
            pass
    finally:
        holder.join()


def test_a_script_that_never_says_it_is_ready_is_not_started(tmp_path: Path) -> None:
    script = tmp_path / "silent.py"
    script.write_text("import sys\nsys.exit(1)\n")
    workers = WorkerPool(WorkerScript(script), size=1)

    with pytest.raises(WorkerStartError) as caught, workers.lend():
        pass

    assert "silent.py" in str(caught.value)
