"""The crash tests' victim: writes to a store in a loop until it is killed.

``crash_writer.py URL DATA_DIR steps`` commits, per step, one new app, one history entry and one
saved step of a running operation, and one audit entry, all in one transaction, then prints the
step's number. ``... batches`` commits batches of ``BATCH`` apps with ``upsert_many``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from gitward.store import AppDefinition, Store

BATCH = 500
PAD = "x" * 2000  # big enough rows that a kill often lands inside a write


async def steps(store: Store) -> None:
    await store.apps.upsert(AppDefinition("victim", "default", {"spec": {}}, history_limit=5))
    operation = await store.operations.start("victim", request={"sync": {}}, requested_by="test")
    step = 0
    while True:
        step += 1
        async with store.transaction() as tx:
            await tx.apps.upsert(AppDefinition(f"app-{step}", "default", {"n": step, "pad": PAD}))
            await tx.history.record(
                "victim", revision="main", commit_sha=f"{step:040x}", source={}, initiated_by="t"
            )
            await tx.operations.save_step(operation.id, {"step": step})
            await tx.audit.append("test", "update", f"Application app-{step}", {"step": step})
        print(step, flush=True)


async def batches(store: Store) -> None:
    batch = 0
    while True:
        batch += 1
        await store.apps.upsert_many(
            AppDefinition(f"batch-{batch}-{n}", "default", {"pad": PAD}) for n in range(BATCH)
        )
        print(batch, flush=True)


async def main(url: str, data_dir: str, mode: str) -> None:
    store = await Store.open(url, data_dir=Path(data_dir), env={})
    await (steps(store) if mode == "steps" else batches(store))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
