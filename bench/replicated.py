"""``bench/reconcile.py --replicas N``: the whole set of figures with one, then N replicas.

Several ``gitward server`` processes on one PostgreSQL database (started by the bench with
``scripts/postgres``, stopped at the end), the sandbox in a process of its own, and the bench's
repository. For each replica count, on a fresh sandbox:

- sync: on a fresh database, the servers start, the one-ConfigMap apps are written into it in
  one transaction (the replicas hear of them through ``LISTEN/NOTIFY``), and the clock runs
  until every app is Synced and Healthy; the servers' CPU over that time, per app synced, is
  ``cpu_ms_per_synced_app``.
- prepare: on another fresh database, new servers sync the ten-object ("wide") apps the same way.
- refresh: ``--cycles`` no-op cycles of the wide apps. Each is started from outside, as an
  operator would: the servers' settings file (Argo CD's ``argocd-cm``) is rewritten with
  another ``timeout.reconciliation``; each server reloads it (it looks every 2 s) and, its
  controller's settings changed, refreshes every app it owns at once, without jitter. The bench
  waits until every app's stored ``reconciled_at`` is past the rewrite; the cycle's figure is
  from the first app's stored refresh to the last one's (``noop_refresh_s``), and from the
  rewrite (``noop_refresh_with_reload_s``: up to 2 s more, the servers noticing the file).
  Then each server's RSS.
- latency: ``--commits`` times, commit a change to one wide app, ask for a hard refresh through
  one of the servers' API in turn (with two replicas, half of the requests reach a server that
  does not own the app and forwards it to the owner), and time until the app is Synced and
  Healthy at the new commit.

The bench waits by one SQL query per poll on its own connection (a count, or one app's row):
its waiting costs the servers nothing. CPU and RSS are read from ``/proc`` for each server
process. Each server's output goes to a log file next to its data (read, so that a full pipe
never stops a server).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet

from gitward.controller import commands
from gitward.store import Store

ROOT = Path(__file__).resolve().parents[1]
_SERVING = re.compile(r"serving on (\S+)")
_PASSWORD = re.compile(r"admin password \(shown once\): (\S+)")
_POLL_S = 0.5
_LATENCY_POLL_S = 0.02
_SYNCED = "sync_status = 'Synced' AND health_status = 'Healthy'"
_SETTINGS = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n"


@dataclass
class Server:
    """One ``gitward server`` process, its API's URL, and what it printed after serving."""

    process: subprocess.Popen[str]
    url: str
    password: str | None = None
    told: threading.Event = field(default_factory=threading.Event)

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def drain(self, log: Path) -> None:
        """Copy the rest of the server's output to ``log`` in the background (noting the admin
        password a first start prints)."""

        def copy() -> None:
            assert self.process.stdout is not None
            with log.open("w") as out:
                for line in self.process.stdout:
                    if (found := _PASSWORD.search(line)) is not None:
                        self.password = found.group(1)
                        self.told.set()
                    out.write(line)
            self.told.set()

        threading.Thread(target=copy, daemon=True).start()


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
    data = work / f"replica-{uuid.uuid4().hex[:6]}-{index}"
    process = subprocess.Popen(
        [sys.executable, "-m", "gitward", "server", "--port", "0",
         "--data-dir", str(data), "--settings", str(work / "argocd-cm.yaml"),
         "--database-url", database, "--kubeconfig", str(work / "kubeconfig"),
         "--repo-dir", f"{repo_url}={work / 'repo'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    said = []
    for line in process.stdout:
        if (found := _SERVING.search(line)) is not None:
            server = Server(process, found.group(1))
            server.drain(work / f"{data.name}.log")
            return server
        said.append(line)
    raise RuntimeError(f"replica {index} ended before serving: {''.join(said[-20:])}")


def write_settings(work: Path, cycle: int) -> None:
    """The servers' ``argocd-cm``: no periodic refresh to speak of (a day, plus ``cycle``
    seconds, so that each rewrite changes the controller's settings), no jitter."""
    text = f'{_SETTINGS}  timeout.reconciliation: "{86400 + cycle}s"\n'
    staged = work / "argocd-cm.yaml.tmp"
    staged.write_text(text + '  timeout.reconciliation.jitter: "0s"\n')
    staged.replace(work / "argocd-cm.yaml")


async def bootstrap(database: str, root: Path) -> None:
    """Write every app into the database in one transaction, telling the replicas."""
    store = await Store.open(database, secret_key=Fernet.generate_key().decode())
    try:
        store.database.notifying = True
        await commands.bootstrap(store, root)
    finally:
        await store.close()


async def until_count(database: str, query: str, apps: int, within: float, *args: Any) -> None:
    """Until ``query`` (a count) reaches ``apps``, asked every ``_POLL_S`` on the bench's own
    connection."""
    deadline = time.monotonic() + within
    connection = await asyncpg.connect(database)
    try:
        while (await connection.fetchval(query, *args)) < apps:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not within {within} s: {query}")
            await asyncio.sleep(_POLL_S)
    finally:
        await connection.close()


# -- one replica count ---------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The bench's work directory (repository, root files, kubeconfig), how to start a fresh
    sandbox with the apps' namespaces (the returned process is the sandbox), and how to change
    one wide app in the repository (returns the new commit)."""

    work: Path
    start_cluster: Callable[[], subprocess.Popen[str]]
    change_app: Callable[[int], tuple[str, str]]
    repo_url: str


@dataclass
class Replicas:
    """``count`` servers on a database of their own, made by :meth:`start`."""

    world: World
    server: str
    count: int
    database: str = ""
    name: str = ""
    servers: list[Server] = field(default_factory=list)

    def start(self) -> None:
        self.name = f"bench_{self.count}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(self.server, f'CREATE DATABASE "{self.name}"'))
        url = sa.make_url(self.server).set(database=self.name)
        self.database = url.render_as_string(hide_password=False)
        key = Fernet.generate_key().decode()
        work, repo_url = self.world.work, self.world.repo_url
        for index in range(self.count):
            self.servers.append(start_server(work, self.database, key, repo_url, index))

    def stop(self) -> None:
        for running in self.servers:
            running.process.send_signal(signal.SIGTERM)
        for running in self.servers:
            running.process.wait(60)
        if self.name:
            asyncio.run(_admin(self.server, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    def cpu_s(self) -> list[float]:
        return [s.cpu_s() for s in self.servers]

    def sync(self, kind: str, apps: int) -> dict[str, Any]:
        """Bootstrap ``apps`` apps of ``kind`` and time them to Synced and Healthy."""
        before, started = self.cpu_s(), time.perf_counter()
        asyncio.run(bootstrap(self.database, self.world.work / f"{kind}-apps.yaml"))
        query = f"SELECT count(*) FROM apps WHERE {_SYNCED}"
        asyncio.run(until_count(self.database, query, apps, within=max(600.0, apps * 0.5)))
        seconds = time.perf_counter() - started
        cpu = [after - b for after, b in zip(self.cpu_s(), before, strict=True)]
        return {"seconds": round(seconds, 2), "cpu_s_per_replica": [round(c, 2) for c in cpu]}


def sync_phase(world: World, server: str, count: int, apps: int) -> dict[str, Any]:
    replicas = Replicas(world, server, count)
    try:
        replicas.start()
        return replicas.sync("small", apps)
    finally:
        replicas.stop()


def refresh_phase(
    world: World, server: str, count: int, apps: int, cycles: int, commits: int
) -> dict[str, Any]:
    """Sync the wide apps, then time the no-op cycles and the commits' latency."""
    replicas = Replicas(world, server, count)
    try:
        replicas.start()
        prepared = replicas.sync("wide", apps)
        noop, with_reload, noop_cpu = [], [], []
        for cycle in range(cycles):
            seconds, reloaded, cpu = noop_cycle(replicas, apps, cycle + 1)
            noop.append(round(seconds, 2))
            with_reload.append(round(reloaded, 2))
            noop_cpu.append(round(cpu, 2))
        rss = [round(s.rss_mb()) for s in replicas.servers]
        latencies = asyncio.run(commit_to_healthy(replicas, commits))
    finally:
        replicas.stop()
    return {
        "prepare_s": prepared["seconds"],
        "noop_s": noop,
        "noop_with_reload_s": with_reload,
        "noop_cpu_s": noop_cpu,
        "rss_mb_per_replica": rss,
        "commit_to_healthy_s": [round(s, 3) for s in latencies],
    }


def noop_cycle(replicas: Replicas, apps: int, cycle: int) -> tuple[float, float, float]:
    """One cycle started by a rewrite of the settings file: seconds from the first app's stored
    refresh to the last one's (the cycle itself), seconds from the rewrite until every app was
    reconciled after it (with the servers' noticing the file), and the servers' CPU seconds."""
    before = replicas.cpu_s()
    since, started = datetime.now(UTC), time.perf_counter()
    write_settings(replicas.world.work, cycle)
    query = "SELECT count(*) FROM apps WHERE reconciled_at >= $1"
    asyncio.run(until_count(replicas.database, query, apps, 600.0, since))
    with_reload = time.perf_counter() - started
    cpu = sum(replicas.cpu_s()) - sum(before)
    spread = "SELECT extract(epoch FROM max(reconciled_at) - min(reconciled_at)) FROM apps"
    return float(asyncio.run(_admin(replicas.database, spread))), with_reload, cpu


async def commit_to_healthy(replicas: Replicas, commits: int) -> list[float]:
    first = replicas.servers[0]
    if not await asyncio.to_thread(first.told.wait, 30) or first.password is None:
        raise RuntimeError("the first server did not print the admin password")
    async with httpx.AsyncClient(timeout=60) as http:
        login = {"username": "admin", "password": first.password}
        answer = await http.post(f"{first.url}/api/v1/session", json=login)
        answer.raise_for_status()
        http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        connection = await asyncpg.connect(replicas.database)
        try:
            return [
                await one_commit(replicas, http, connection, number) for number in range(commits)
            ]
        finally:
            await connection.close()


async def one_commit(
    replicas: Replicas, http: httpx.AsyncClient, connection: Any, number: int
) -> float:
    """Commit a change to one app, ask a server (each in turn) for a hard refresh of it, and
    time until it is Synced and Healthy at the new commit (read by SQL)."""
    name, sha = await asyncio.to_thread(replicas.world.change_app, number)
    via = replicas.servers[number % len(replicas.servers)]
    started = time.perf_counter()
    asking = asyncio.create_task(
        http.get(f"{via.url}/api/v1/applications/{name}", params={"refresh": "hard"})
    )
    query = (
        f"SELECT count(*) FROM apps WHERE name = $1 AND {_SYNCED}"
        " AND observed_revisions::text LIKE '%' || $2 || '%'"
    )
    deadline = started + 120
    while not await connection.fetchval(query, name, sha):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{name} not Synced and Healthy at {sha} within 120 s")
        await asyncio.sleep(_LATENCY_POLL_S)
    seconds = time.perf_counter() - started
    (await asking).raise_for_status()
    return seconds


# -- the whole run --------------------------------------------------------------------------------


def with_replicas(
    world: World, server: str, count: int, apps: int, cycles: int, commits: int
) -> dict[str, Any]:
    """Every figure with ``count`` replicas, on a fresh sandbox."""
    cluster = world.start_cluster()
    try:
        write_settings(world.work, 0)
        synced = sync_phase(world, server, count, apps)
        refreshed = refresh_phase(world, server, count, apps, cycles, commits)
    finally:
        cluster.terminate()
        cluster.wait(10)
    return {**synced, **refreshed}


def show(label: str, apps: int, f: dict[str, Any]) -> None:
    cpu = sum(f["cpu_s_per_replica"])
    p50 = statistics.median(f["commit_to_healthy_s"])
    print(f"(r) {label:<13} {f['seconds']:>10} s sync of {apps} apps of 1 ConfigMap")
    print(f"                  {1000 * cpu / apps:>10.1f} ms of CPU per synced app")
    print(f"    prepare       {f['prepare_s']:>10} s sync of {apps} apps of 10 objects")
    print(f"    no-op cycle   {statistics.median(f['noop_s']):>10} s median of {f['noop_s']}")
    print(f"                  {'':>10}   from the file's rewrite: {f['noop_with_reload_s']}")
    print(f"    RSS           {f['rss_mb_per_replica']} MB per replica")
    print(f"    commit->ok    {p50:>10} s p50 of {f['commit_to_healthy_s']}")


def run(
    world: World, apps: int, replicas: int, cycles: int = 3, commits: int = 9
) -> dict[str, Any]:
    """Figures with one replica and with ``replicas``, on one PostgreSQL."""
    pg = Path(tempfile.mkdtemp(prefix="gitward-bench-pg-"))  # its owner changes; stop removes it
    server = start_postgres(pg)
    try:
        one = with_replicas(world, server, 1, apps, cycles, commits)
        show("1 replica", apps, one)
        many = with_replicas(world, server, replicas, apps, cycles, commits)
        show(f"{replicas} replicas", apps, many)
    finally:
        stop_postgres(pg)
    speedup = round(one["seconds"] / many["seconds"], 2)
    return {
        "apps": apps,
        "replicas": replicas,
        **figures(many, apps),
        **_one(one, apps),
        "sync_speedup_vs_one_replica": speedup,
    }


def figures(f: dict[str, Any], apps: int) -> dict[str, Any]:
    latencies: Sequence[float] = f["commit_to_healthy_s"]
    return {
        "sync_apps_s": f["seconds"],
        "cpu_ms_per_synced_app": round(1000 * sum(f["cpu_s_per_replica"]) / apps, 1),
        "cpu_s_per_replica": f["cpu_s_per_replica"],
        "sync_wide_apps_s": f["prepare_s"],
        "noop_refresh_s": round(statistics.median(f["noop_s"]), 2),
        "noop_refresh_cycles_s": f["noop_s"],
        "noop_refresh_with_reload_s": f["noop_with_reload_s"],
        "noop_cpu_s": round(statistics.median(f["noop_cpu_s"]), 2),
        "rss_mb_per_replica": f["rss_mb_per_replica"],
        "commit_to_healthy_p50_s": round(statistics.median(latencies), 3),
        "commit_to_healthy_max_s": max(latencies),
        "commit_to_healthy_s": list(latencies),
    }


def _one(f: dict[str, Any], apps: int) -> dict[str, Any]:
    """The one-replica figures, under the same names with ``_one_replica`` appended."""
    keys = ("sync_apps_s", "cpu_ms_per_synced_app", "noop_refresh_s", "rss_mb_per_replica")
    keys += ("commit_to_healthy_p50_s", "sync_wide_apps_s", "noop_cpu_s")
    one = figures(f, apps)
    return {f"{key}_one_replica": one[key] for key in keys}
