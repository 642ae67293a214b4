"""``bench/reconcile.py --replicas N``: the sync from scratch with one, then N replicas.

Several ``gitward server`` processes on one PostgreSQL database (started by the bench with
``scripts/postgres``, stopped at the end), the sandbox in a process of its own, and the bench's
repository of one-ConfigMap apps. For each replica count, on a fresh database: the servers start
on the empty database, then the apps are written into it in one transaction (the replicas hear
of them through ``LISTEN/NOTIFY``), and the clock runs until every app is Synced and Healthy.
The bench waits by counting those apps with one SQL query every half second on its own
connection: its waiting costs the servers nothing. CPU and RSS are read from ``/proc`` for each
server process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from cryptography.fernet import Fernet

from gitward.controller import commands
from gitward.store import Store

ROOT = Path(__file__).resolve().parents[1]
_SERVING = "serving on"
_POLL_S = 0.5


@dataclass
class Server:
    process: subprocess.Popen[str]

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def start_postgres(where: Path) -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / "postgres"), "start", str(where)],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def stop_postgres(where: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", str(where)], check=False)


async def _admin(url: str, statement: str) -> Any:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


def start_server(work: Path, database: str, key: str, repo_url: str, index: int) -> Server:
    env = {**os.environ, "GITWARD_SECRET_KEY": key, "GITWARD_METRICS_PORT": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gitward", "server", "--port", "0",
         "--data-dir", str(work / f"replica-{uuid.uuid4().hex[:6]}-{index}"),
         "--database-url", database, "--kubeconfig", str(work / "kubeconfig"),
         "--repo-dir", f"{repo_url}={work / 'repo'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if _SERVING in line:
            return Server(process)
    raise RuntimeError(f"replica {index} ended before serving")


async def bootstrap(database: str, root: Path) -> None:
    """Write every app into the database in one transaction, telling the replicas."""
    store = await Store.open(database, secret_key=Fernet.generate_key().decode())
    try:
        store.database.notifying = True
        await commands.bootstrap(store, root)
    finally:
        await store.close()


async def until_synced(database: str, apps: int, within: float) -> None:
    query = "SELECT count(*) FROM apps WHERE sync_status = 'Synced' AND health_status = 'Healthy'"
    deadline = time.monotonic() + within
    connection = await asyncpg.connect(database)
    try:
        while (await connection.fetchval(query)) < apps:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not every app synced within {within} s")
            await asyncio.sleep(_POLL_S)
    finally:
        await connection.close()


def sync_with(world: World, server: str, replicas: int, apps: int, repo_url: str) -> dict[str, Any]:
    """Time the sync of ``apps`` small apps with ``replicas`` servers on a fresh database and
    a fresh sandbox (nothing of the app is in the cluster yet)."""
    work = world.work
    cluster = world.start_cluster()
    try:
        return _sync_with(work, server, replicas, apps, repo_url)
    finally:
        cluster.terminate()
        cluster.wait(10)


def _sync_with(work: Path, server: str, replicas: int, apps: int, repo_url: str) -> dict[str, Any]:
    name = f"bench_{replicas}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    database = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    key = Fernet.generate_key().decode()
    servers = [start_server(work, database, key, repo_url, index) for index in range(replicas)]
    try:
        before = [s.cpu_s() for s in servers]
        started = time.perf_counter()
        asyncio.run(bootstrap(database, work / "small-apps.yaml"))
        asyncio.run(until_synced(database, apps, within=max(600.0, apps * 0.5)))
        seconds = time.perf_counter() - started
        cpu = [s.cpu_s() - b for s, b in zip(servers, before, strict=True)]
        rss = [s.rss_mb() for s in servers]
    finally:
        for running in servers:
            running.process.send_signal(signal.SIGTERM)
        for running in servers:
            running.process.wait(60)
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return {
        "seconds": round(seconds, 2),
        "cpu_s": round(sum(cpu), 2),
        "cpu_s_per_replica": [round(c, 2) for c in cpu],
        "rss_mb_per_replica": [round(r) for r in rss],
    }


@dataclass(frozen=True)
class World:
    """The bench's work directory (repository, root file, kubeconfig) and how to start a fresh
    sandbox with the apps' namespaces (the returned process is the sandbox)."""

    work: Path
    start_cluster: Callable[[], subprocess.Popen[str]]


def run(world: World, apps: int, replicas: int, repo_url: str) -> dict[str, Any]:
    """Figures of the sync with one replica and with ``replicas``, on one PostgreSQL."""
    pg = Path(tempfile.mkdtemp(prefix="gitward-bench-pg-"))  # its owner changes; stop removes it
    server = start_postgres(pg)
    try:
        one = sync_with(world, server, 1, apps, repo_url)
        print(f"(r) 1 replica     {one['seconds']:>10} s for {apps} apps of 1 ConfigMap")
        print(f"                  {one['cpu_s']:>10} s of CPU, RSS {one['rss_mb_per_replica']} MB")
        many = sync_with(world, server, replicas, apps, repo_url)
        print(f"(r) {replicas} replicas    {many['seconds']:>10} s for {apps} apps")
        print(
            f"                  {many['cpu_s']:>10} s of CPU, RSS {many['rss_mb_per_replica']} MB"
        )
    finally:
        stop_postgres(pg)
    return {
        "apps": apps,
        "replicas": replicas,
        "sync_apps_s_one_replica": one["seconds"],
        "sync_apps_s": many["seconds"],
        "sync_speedup_vs_one_replica": round(one["seconds"] / many["seconds"], 2),
        "cpu_ms_per_synced_app_one_replica": round(1000 * one["cpu_s"] / apps, 1),
        "cpu_ms_per_synced_app": round(1000 * many["cpu_s"] / apps, 1),
        "cpu_s_per_replica": many["cpu_s_per_replica"],
        "rss_mb_per_replica": many["rss_mb_per_replica"],
        "rss_mb_one_replica": one["rss_mb_per_replica"][0],
    }
