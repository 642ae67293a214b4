"""A writer killed with SIGKILL mid-write leaves a consistent store and a resumable operation.

The victim (``crash_writer.py``) runs in a child process and prints each step after its
transaction commits; the test waits until some steps are through, kills it without warning, then
reopens the store and checks that nothing committed was lost and nothing half-written was kept.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from gitward.store import OperationPhase, Store
from gitward.store.database import database_url

WRITER = Path(__file__).with_name("crash_writer.py")
BATCH = 500  # as in crash_writer.py
PROGRESS_TIMEOUT_S = 60.0


async def kill_after(store_url: str, data_dir: Path, mode: str, committed: int) -> int:
    """Run the writer until it reports ``committed`` commits, SIGKILL it; the last one reported."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WRITER),
        store_url,
        str(data_dir),
        mode,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    last = 0
    try:
        while last < committed:
            line = await asyncio.wait_for(child.stdout.readline(), PROGRESS_TIMEOUT_S)
            if not line:
                stderr = await child.stderr.read() if child.stderr else b""
                raise AssertionError(f"the writer died by itself: {stderr.decode()[-2000:]}")
            last = int(line)
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL
    return last


async def sqlite_integrity(store_url: str) -> str:
    engine = create_async_engine(database_url(store_url))
    try:
        async with engine.connect() as connection:
            return str((await connection.execute(sa.text("PRAGMA integrity_check"))).scalar())
    finally:
        await engine.dispose()


async def test_a_killed_writer_loses_no_commit_and_keeps_no_half_transaction(
    store_url: str, data_dir: Path, backend: str
) -> None:
    reported = await kill_after(store_url, data_dir, "steps", committed=25)

    if backend == "sqlite":
        assert await sqlite_integrity(store_url) == "ok"
    async with await Store.open(store_url, data_dir=data_dir, env={}) as store:
        apps = [s.name for s in await store.apps.list(name_glob="app-*")]
        audit = await store.audit.list(limit=100_000)
        history = await store.history.list("victim")
        running = await store.operations.running()

    steps = len(apps)
    assert steps >= reported
    assert len(audit) == steps
    assert audit[0].details == {"step": steps}
    assert history[0].id == steps
    assert len(history) == 5
    assert [(op.app, op.phase, op.state) for op in running] == [
        ("victim", OperationPhase.RUNNING, {"step": steps})
    ]


async def test_a_writer_killed_inside_a_large_transaction_leaves_all_or_nothing(
    store_url: str, data_dir: Path, backend: str
) -> None:
    reported = await kill_after(store_url, data_dir, "batches", committed=2)

    if backend == "sqlite":
        assert await sqlite_integrity(store_url) == "ok"
    async with await Store.open(store_url, data_dir=data_dir, env={}) as store:
        names = [summary.name for summary in await store.apps.list()]

    batches = {name.split("-")[1] for name in names}
    assert len(names) == BATCH * len(batches)
    assert len(batches) >= reported
