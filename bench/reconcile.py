"""The controller at scale: gitward's reconcile loop against a sandbox with ~15 ms API latency.

The sandbox runs in a process of its own (its CPU does not share the controller's event loop),
with every API request delayed by a log-normal draw (median ``--latency``, p99 three times that).
The apps live in a git repository made in a temp dir: N apps of one ConfigMap ("small") and N
apps of ten objects ("wide": ConfigMaps, Secrets, a ServiceAccount, a Service), each a directory
source with automated sync, bootstrapped straight into a SQLite store. Each phase runs the
controller in a fresh process, so its memory is the controller's alone:

- (a) sync: the N small apps from scratch (bootstrap to every app Synced and Healthy);
- prepare: the N wide apps from scratch, the same way (a figure, not a target);
- (b) refresh: a restarted controller over the synced wide apps; its first cycle (cold: caches
  listed, commits checked out, renders) and then ``--cycles`` no-op cycles (every app refreshed
  at once, no jitter), with the process RSS afterwards;
- (c) latency: on that controller, ``--commits`` times: commit a change to one app's ConfigMap,
  ask for a refresh (``refresh(app, hard=True)``: resolve the branch again, no webhook), and
  time until the app's status is Synced and Healthy at the new commit.

The bench's own waiting is cheap: (a) counts Synced and Healthy apps incrementally from the
status events, and the store is read only once the work queue is empty. ``--sync-only`` runs
(a) alone (its ``cpu_ms_per_synced_app`` is the controller's CPU per app synced).

With ``--replicas N`` it measures the same figures with ``gitward server`` processes instead,
first one, then N, on one PostgreSQL database (``bench/replicated.py``): (a) with the servers'
CPU, (b) started by rewriting the servers' settings file, (c) asked through their API.

Prints figures for people, and as its last line one JSON object for machines, its keys named
for what they measure (``sync_apps_s``, ``noop_refresh_s``, ``rss_mb_per_replica``,
``commit_to_healthy_p50_s``, ``cpu_ms_per_synced_app``...).
Usage: python bench/reconcile.py [--apps N] [--latency S] [--workers W] [--cycles C]
                                 [--commits K] [--sync-only] [--replicas N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from gitward.controller.events import Subscription
from gitward.controller.loop import Controller
from gitward.git.repo import Repositories
from gitward.kube import ClusterAccess, Clusters, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.render import Renderer
from gitward.settings import ControllerSettings
from gitward.store import Store
from gitward.sync import utc_now

REPO_URL = "https://example.invalid/bench/apps.git"
NAMESPACES = 10
SMALL, WIDE = "small", "wide"
_POLL_S = 0.1
_SERVE = """
import asyncio, sys
from gitward.sandbox import Latency, Sandbox, SandboxOptions
sandbox = Sandbox(SandboxOptions(controllers=False, request_log_size=100), own_signals=True)
sandbox.faults.set_latency(Latency(p50=float(sys.argv[2])))
sandbox.write_kubeconfig(sys.argv[1])
print(f"serving on {sandbox.url}", flush=True)
asyncio.run(sandbox.serve())
"""


# -- the repository ----------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return done.stdout.decode().strip()


def app_name(kind: str, index: int) -> str:
    return f"{kind}-{index:04d}"


def objects_of(kind: str, index: int, version: int = 0) -> list[dict[str, Any]]:
    """One ConfigMap for a small app; ten objects of four kinds for a wide one."""
    name = app_name(kind, index)

    def config_map(k: int) -> dict[str, Any]:
        data = {f"key-{d}": f"{name}-{k}-{d}-v{version}" for d in range(5)}
        return _object("v1", "ConfigMap", f"{name}-config-{k}", data=data)

    if kind == SMALL:
        return [config_map(0)]
    secrets = [
        _object("v1", "Secret", f"{name}-secret-{k}", stringData={"token": f"{name}-{k}"})
        for k in range(2)
    ]
    service = _object(
        "v1",
        "Service",
        f"{name}-web",
        spec={"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    )
    account = _object("v1", "ServiceAccount", f"{name}-runner")
    return [*(config_map(k) for k in range(6)), *secrets, service, account]


def _object(api_version: str, kind: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, **fields}


def application(kind: str, index: int) -> dict[str, Any]:
    name = app_name(kind, index)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": f"apps/{name}"},
            "destination": {
                "server": IN_CLUSTER_SERVER,
                "namespace": f"bench-{kind}-{index % NAMESPACES}",
            },
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


def write_app(repo: Path, kind: str, index: int, version: int = 0) -> None:
    directory = repo / "apps" / app_name(kind, index)
    directory.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump_all(objects_of(kind, index, version), sort_keys=False)
    (directory / "objects.yaml").write_text(text)


def make_world(work: Path, apps: int) -> Path:
    """The repository (one commit on main) and a root file of Applications per kind."""
    repo = work / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "bench")
    for kind in (SMALL, WIDE):
        for index in range(apps):
            write_app(repo, kind, index)
        documents = [application(kind, index) for index in range(apps)]
        (work / f"{kind}-apps.yaml").write_text(yaml.safe_dump_all(documents, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "apps")
    return repo


# -- the sandbox -------------------------------------------------------------------------------


def start_sandbox(work: Path, latency: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(work / "kubeconfig"), str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "serving on" in line:
            return process
    raise RuntimeError("the sandbox process ended before serving")


def access_of(work: Path) -> ClusterAccess:
    return ClusterAccess(
        server=IN_CLUSTER_SERVER,
        name=IN_CLUSTER_NAME,
        kubeconfig=work / "kubeconfig",
        context="sandbox",
    )


async def make_namespaces(work: Path) -> None:
    cluster = RemoteCluster.connect(access_of(work))
    try:
        for kind in (SMALL, WIDE):
            for index in range(NAMESPACES):
                namespace = f"bench-{kind}-{index}"
                await cluster.apply(
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
                )
    finally:
        await cluster.close()


# -- one phase: a controller over one kind of app ------------------------------------------------


@dataclass
class Phase:
    work: Path
    kind: str
    apps: int
    settings: ControllerSettings
    store: Store
    controller: Controller
    events: Subscription

    @classmethod
    async def open(cls, work: Path, kind: str, apps: int, settings: ControllerSettings) -> Phase:
        store = await Store.open(f"sqlite:///{work / kind}.db", secret_key=None)
        repos = Repositories(work / f"git-{kind}", local={REPO_URL: work / "repo"})
        controller = Controller(store, repos, Clusters([access_of(work)]), Renderer(), settings)
        events = controller.events.subscribe(size=1_000_000)
        return cls(work, kind, apps, settings, store, controller, events)

    async def close(self) -> None:
        await self.controller.stop()
        await self.store.close()

    async def until_all(self, good: Callable[[str, str], bool], within: float) -> None:
        """Until every app's latest status event satisfies ``good(sync, health)``. Counts
        incrementally (each event moves one app in or out of the count), so that waiting costs
        the controller's process next to nothing however many apps there are."""
        latest: dict[str, tuple[str, str]] = {}
        satisfied = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while satisfied < self.apps:
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"not within {within} s: {_counts(latest, self.apps)}")
            try:
                event = await self.events.next(within=left)
            except TimeoutError:
                continue
            if event.kind != "status":
                continue
            before = latest.get(event.app)
            now = latest[event.app] = (event.sync_status, event.health_status)
            satisfied += good(*now) - (before is not None and good(*before))

    async def until_reconciled(self, since: datetime, within: float) -> None:
        """Until every app's stored status was reconciled at or after ``since`` (read from the
        store's summaries, as the API would show them). A list of 1,000 summaries costs ~15 ms
        of this process's CPU, so the store is read only once the work queue has no app
        waiting (then at most ``workers`` refreshes are left), and then every ``_POLL_S``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            if len(self.controller.queue) > 0 and loop.time() < deadline:
                await asyncio.sleep(0.02)
                continue
            summaries = await self.store.apps.list()
            behind = [s for s in summaries if s.reconciled_at is None or s.reconciled_at < since]
            if not behind:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"{len(behind)} apps not reconciled within {within} s")
            await asyncio.sleep(_POLL_S)

    async def all_synced_and_healthy(self) -> bool:
        summaries = await self.store.apps.list()
        return len(summaries) == self.apps and all(
            s.sync_status == "Synced" and s.health_status == "Healthy" for s in summaries
        )


def _counts(latest: dict[str, tuple[str, str]], apps: int) -> str:
    counts: dict[str, int] = {}
    for sync, health in latest.values():
        counts[f"{sync}/{health}"] = counts.get(f"{sync}/{health}", 0) + 1
    silent = apps - len(latest)
    return ", ".join([*(f"{n} {k}" for k, n in sorted(counts.items())), f"{silent} no status"])


def _synced(sync: str, health: str) -> bool:
    return sync == "Synced" and health == "Healthy"


def rss_mb() -> tuple[float, float]:
    """This process's resident set now and at its peak, in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def sync_from_scratch(
    work: Path, kind: str, apps: int, settings: ControllerSettings
) -> dict[str, Any]:
    """Bootstrap ``apps`` apps of ``kind`` and time them to Synced and Healthy."""
    phase = await Phase.open(work, kind, apps, settings)
    statements = StatementCount()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        await phase.controller.start()
        await phase.controller.bootstrap(work / f"{kind}-apps.yaml")
        await phase.until_all(_synced, within=max(600.0, apps * 1.0))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        assert await phase.all_synced_and_healthy(), "the store disagrees with the events"
        now_mb, peak_mb = rss_mb()
        return {
            "seconds": round(seconds, 2),
            "apps_per_s": round(apps / seconds, 1),
            "cpu_s": round(cpu, 2),
            "git_resolutions": phase.controller.revisions.calls,
            "sql_statements": statements.count,
            "rss_mb": round(now_mb, 1),
            "rss_peak_mb": round(peak_mb, 1),
        }
    finally:
        statements.stop()
        await phase.close()


class StatementCount:
    """SQL statements this process sends from now on (every engine): a figure of the store's
    work that a busy machine does not blur, unlike CPU time."""

    def __init__(self) -> None:
        self.count = 0
        sa.event.listen(sa.Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1

    def stop(self) -> None:
        sa.event.remove(sa.Engine, "before_cursor_execute", self._seen)


async def refresh_and_commit(
    work: Path, apps: int, settings: ControllerSettings, cycles: int, commits: int
) -> dict[str, Any]:
    """(b) and (c) on a restarted controller over the synced wide apps."""
    phase = await Phase.open(work, WIDE, apps, replace(settings, reconciliation_s=0))
    try:
        since, started = utc_now(), time.perf_counter()
        await phase.controller.start()  # its one periodic cycle: the cold one
        await phase.until_reconciled(since, within=600)
        cold = time.perf_counter() - started
        published = phase.controller.events.published
        noop, noop_cpu = zip(*[await one_cycle(phase) for _ in range(cycles)], strict=True)
        changes = phase.controller.events.published - published
        assert await phase.all_synced_and_healthy(), "a no-op cycle changed an app"
        now_mb, peak_mb = rss_mb()
        latencies = [await commit_to_healthy(phase, work / "repo", n) for n in range(commits)]
        return {
            "cold_s": round(cold, 2),
            "noop_s": [round(s, 2) for s in noop],
            "noop_cpu_s": [round(s, 2) for s in noop_cpu],
            "events_in_noop_cycles": changes,
            "rss_mb": round(now_mb, 1),
            "rss_peak_mb": round(peak_mb, 1),
            "commit_to_healthy_s": [round(s, 3) for s in latencies],
        }
    finally:
        await phase.close()


async def one_cycle(phase: Phase) -> tuple[float, float]:
    """A full reconciliation cycle, as the periodic refresh starts one (without jitter):
    seconds, and CPU seconds of this process (every thread)."""
    since, started, cpu = utc_now(), time.perf_counter(), time.process_time()
    phase.controller.revisions.next_cycle()
    for summary in await phase.store.apps.list():
        phase.controller.refresh(summary.name)
    await phase.until_reconciled(since, within=600)
    return time.perf_counter() - started, time.process_time() - cpu


async def commit_to_healthy(phase: Phase, repo: Path, number: int) -> float:
    """Commit a change to one app, ask for a refresh, and time it to Synced and Healthy there."""
    index = (number * 37 + 11) % phase.apps
    name = app_name(WIDE, index)

    def change() -> str:
        write_app(repo, WIDE, index, version=number + 1)
        git(repo, "commit", "-q", "-am", f"change {name}")
        return git(repo, "rev-parse", "HEAD")

    sha = await asyncio.to_thread(change)
    started = time.perf_counter()
    phase.controller.refresh(name, hard=True)
    await phase.events.wait_for(
        lambda e: (
            e.app == name
            and e.kind == "status"
            and e.revisions == (sha,)
            and _synced(e.sync_status, e.health_status)
        ),
        within=120,
    )
    return time.perf_counter() - started


# -- the whole run -------------------------------------------------------------------------------


def settings_of(args: argparse.Namespace) -> ControllerSettings:
    return ControllerSettings(workers=args.workers)


async def run_phase(args: argparse.Namespace) -> dict[str, Any]:
    work, settings = Path(args.work), settings_of(args)
    if args.phase == "sync":
        return await sync_from_scratch(work, SMALL, args.apps, settings)
    if args.phase == "prepare":
        return await sync_from_scratch(work, WIDE, args.apps, settings)
    return await refresh_and_commit(work, args.apps, settings, args.cycles, args.commits)


def in_process(args: argparse.Namespace, work: Path, phase: str) -> dict[str, Any]:
    """One phase in a fresh Python process; its figures are its last line."""
    command = [sys.executable, __file__, "--phase", phase, "--work", str(work)]
    for option in ("apps", "workers", "cycles", "commits"):
        command += [f"--{option}", str(getattr(args, option))]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        made = time.perf_counter()
        make_world(work, args.apps)
        print(
            f"repository        {time.perf_counter() - made:>10.1f} s to write {2 * args.apps} apps"
        )
        sandbox = start_sandbox(work, args.latency)
        try:
            asyncio.run(make_namespaces(work))
            a = in_process(args, work, "sync")
            print(f"(a) sync          {a['seconds']:>10} s for {args.apps} apps of 1 ConfigMap")
            print(f"                  {a['cpu_s']:>10} s of the controller process's CPU")
            print(f"                  {1000 * a['cpu_s'] / args.apps:>10.2f} ms of it per app")
            prepared = in_process(args, work, "prepare")
            print(
                f"    prepare       {prepared['seconds']:>10} s for {args.apps} apps of 10 objects"
            )
            b = in_process(args, work, "refresh")
        finally:
            sandbox.terminate()
            sandbox.wait(10)
    return figures_of(args, a, prepared, b)


def run_replicated(args: argparse.Namespace) -> dict[str, Any]:
    """``--replicas N``: every figure with 1 and with N servers on one PostgreSQL."""
    import replicated  # noqa: PLC0415 - bench/ is on the path; only this mode needs it

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = make_world(work, args.apps)

        def start_cluster() -> subprocess.Popen[str]:
            sandbox = start_sandbox(work, args.latency)
            asyncio.run(make_namespaces(work))
            return sandbox

        changes = iter(range(1, 1_000_000))

        def change_app(number: int) -> tuple[str, str]:
            index = (number * 37 + 11) % args.apps
            write_app(repo, WIDE, index, version=next(changes))
            git(repo, "commit", "-q", "-am", f"change {app_name(WIDE, index)}")
            return app_name(WIDE, index), git(repo, "rev-parse", "HEAD")

        world = replicated.World(work, start_cluster, change_app, REPO_URL)
        return dict(replicated.run(world, args.apps, args.replicas, args.cycles, args.commits))


def figures_of(
    args: argparse.Namespace, a: dict[str, Any], prepared: dict[str, Any], b: dict[str, Any]
) -> dict[str, Any]:
    noop = statistics.median(b["noop_s"])
    latencies = b["commit_to_healthy_s"]
    return {
        "apps": args.apps,
        "latency_s": args.latency,
        "workers": args.workers,
        "replicas": 1,
        **sync_figures(args, a),
        "sync_wide_apps_s": prepared["seconds"],
        "cold_refresh_s": b["cold_s"],
        "noop_refresh_s": round(noop, 2),
        "noop_refresh_cycles_s": b["noop_s"],
        "noop_cpu_s": round(statistics.median(b["noop_cpu_s"]), 2),
        "noop_vs_cold": round(noop / b["cold_s"], 3),
        "noop_apps_per_s": round(args.apps / noop, 1),
        "events_in_noop_cycles": b["events_in_noop_cycles"],
        "rss_mb_per_replica": b["rss_mb"],
        "rss_peak_mb": b["rss_peak_mb"],
        "commit_to_healthy_p50_s": round(statistics.median(latencies), 3),
        "commit_to_healthy_max_s": max(latencies),
        "commit_to_healthy_s": latencies,
    }


def sync_figures(args: argparse.Namespace, a: dict[str, Any]) -> dict[str, Any]:
    """Phase (a)'s figures, named for what they measure."""
    return {
        "sync_apps_s": a["seconds"],
        "sync_apps_per_s": a["apps_per_s"],
        "sync_cpu_s": a["cpu_s"],
        "cpu_ms_per_synced_app": round(1000 * a["cpu_s"] / args.apps, 2),
        "sql_statements_per_synced_app": round(a["sql_statements"] / args.apps, 1),
        "sync_rss_mb": a["rss_mb"],
    }


def sync_only(args: argparse.Namespace) -> dict[str, Any]:
    """Phase (a) alone (``--sync-only``): for measuring the controller's CPU per synced app."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_world(work, args.apps)
        sandbox = start_sandbox(work, args.latency)
        try:
            asyncio.run(make_namespaces(work))
            a = in_process(args, work, "sync")
        finally:
            sandbox.terminate()
            sandbox.wait(10)
    figures = {"apps": args.apps, "replicas": 1, "latency_s": args.latency, "workers": args.workers}
    return {**figures, **sync_figures(args, a)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.015, help="median API latency, s")
    parser.add_argument("--workers", type=int, default=ControllerSettings().workers)
    parser.add_argument("--cycles", type=int, default=3, help="no-op cycles to time")
    parser.add_argument("--commits", type=int, default=9, help="commit-to-healthy samples")
    parser.add_argument("--sync-only", action="store_true", help="run phase (a) alone")
    parser.add_argument("--replicas", type=int, default=0, help="servers on one PostgreSQL")
    parser.add_argument("--phase", choices=("sync", "prepare", "refresh"), help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(asyncio.run(run_phase(args))))
        return
    started, load = time.perf_counter(), os.getloadavg()[0]
    if args.replicas:
        print(json.dumps({**run_replicated(args), "load_avg_1m_before": round(load, 2)}))
        return
    if args.sync_only:
        f = {**sync_only(args), "load_avg_1m_before": round(load, 2)}
        print(f"(a) sync          {f['sync_apps_s']:>10} s for {args.apps} apps of 1 ConfigMap")
        print(f"                  {f['cpu_ms_per_synced_app']:>10} ms of CPU per synced app")
        print(f"                  {f['sql_statements_per_synced_app']:>10} SQL statements per app")
        print(json.dumps(f))
        return
    figures = {**run_all(args), "load_avg_1m_before": round(load, 2)}
    f = figures
    cycles = f["noop_refresh_cycles_s"]
    print(f"(b) cold cycle    {f['cold_refresh_s']:>10} s (restarted controller)")
    print(f"    no-op cycle   {f['noop_refresh_s']:>10} s median of {cycles}")
    print(f"                  {f['noop_cpu_s']:>10} s of the controller process's CPU")
    print(f"                  {f['noop_apps_per_s']:>10} apps/s ({f['noop_vs_cold']} x cold)")
    print(f"    RSS           {f['rss_mb_per_replica']:>10} MB (peak {f['rss_peak_mb']} MB)")
    p50, most = f["commit_to_healthy_p50_s"], f["commit_to_healthy_max_s"]
    print(f"(c) commit->ok    {p50:>10} s p50 (max {most})")
    print(f"bench took        {time.perf_counter() - started:>10.1f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
