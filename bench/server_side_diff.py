"""What server-side diff (``ServerSideDiff=true``) costs per refresh, against the local diff.

The sandbox runs in a process of its own with every API request delayed by a log-normal draw
(median ``--latency``, as bench/reconcile.py). One app of ``--resources`` objects (Deployments,
Services and ConfigMaps in turn) is applied by gitward's field manager, read back, and then
compared ``--rounds`` times each way, as a refresh compares it:

- local: the three-way comparison from the fields gitward's apply owns (the default; no request);
- dry run, cold: one dry-run server-side apply per resource, then the comparison (a hard
  refresh, or every resource changed);
- dry run, warm: the cached answers reused (a periodic refresh where nothing changed).

Prints the median time of each, the requests sent and the ratios to local, and as its last line
one JSON object for machines.
Usage: python bench/server_side_diff.py [--resources N] [--latency S] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gitward import diff
from gitward.controller.predicting import DryRuns
from gitward.kube import RemoteCluster
from gitward.kube.tracking import stamp
from gitward.model.objects import Manifest, ResourceKey
from reconcile import access_of, start_sandbox

NAMESPACE = "bench-ssd"
APP = "bench-ssd"


def desired_objects(count: int) -> list[Manifest]:
    makers: list[Callable[[int], Manifest]] = [_deployment, _service, _config_map]
    return [stamp(makers[i % len(makers)](i), APP) for i in range(count)]


def _deployment(i: int) -> Manifest:
    labels = {"app": f"web-{i}"}
    container = {"name": "web", "image": f"shop/web:{i}", "env": [{"name": "I", "value": str(i)}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"web-{i}", "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def _service(i: int) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"web-{i}", "namespace": NAMESPACE},
        "spec": {"selector": {"app": f"web-{i}"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def _config_map(i: int) -> Manifest:
    data = {f"key-{k}": f"value {i} {k}" for k in range(8)}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"settings-{i}", "namespace": NAMESPACE},
        "data": data,
    }


async def timed(rounds: int, step: Callable[[], Awaitable[Any]]) -> list[float]:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        await step()
        seconds.append(time.perf_counter() - started)
    return seconds


async def measure(cluster: RemoteCluster, count: int, rounds: int) -> dict[str, Any]:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    await cluster.apply(namespace, force=True)
    desired = desired_objects(count)
    live = [await cluster.apply(obj, force=True) for obj in desired]
    present = {ResourceKey.of(obj): obj for obj in live}
    dry_runs = DryRuns()

    async def local() -> None:
        assert diff.compare_app(desired, live).status is diff.SyncStatus.SYNCED

    def predicted(fresh: bool) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            answers = await dry_runs.predict(cluster, APP, desired, present, fresh=fresh)
            result = diff.compare_app(desired, live, predicted=answers)
            assert result.status is diff.SyncStatus.SYNCED, result.diff

        return run

    local_s = await timed(rounds, local)
    cold_s = await timed(rounds, predicted(True))
    requests = dry_runs.requests
    warm_s = await timed(rounds, predicted(False))
    return {
        "resources": count,
        "local_s": round(statistics.median(local_s), 4),
        "dry_run_cold_s": round(statistics.median(cold_s), 4),
        "dry_run_warm_s": round(statistics.median(warm_s), 4),
        "requests_per_cold_refresh": requests // rounds,
        "requests_per_warm_refresh": (dry_runs.requests - requests) // rounds,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="gitward-ssd-bench-") as temp:
        work = Path(temp)
        sandbox = start_sandbox(work, args.latency)
        try:
            cluster = RemoteCluster.connect(access_of(work))
            try:
                figures = await measure(cluster, args.resources, args.rounds)
            finally:
                await cluster.close()
        finally:
            sandbox.terminate()
            sandbox.wait(10)
    local = max(figures["local_s"], 1e-6)
    figures["latency_s"] = args.latency
    figures["cold_vs_local"] = round(figures["dry_run_cold_s"] / local, 1)
    figures["warm_vs_local"] = round(figures["dry_run_warm_s"] / local, 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.015, help="median API latency, s")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    count = figures["resources"]
    print(f"one app of {count} resources, API latency {args.latency * 1000:.0f} ms median")
    print(f"  local three-way        {figures['local_s'] * 1000:9.1f} ms per refresh")
    print(
        f"  dry run, cold          {figures['dry_run_cold_s'] * 1000:9.1f} ms per refresh "
        f"({figures['requests_per_cold_refresh']} requests, {figures['cold_vs_local']} x local)"
    )
    print(
        f"  dry run, warm (cached) {figures['dry_run_warm_s'] * 1000:9.1f} ms per refresh "
        f"({figures['requests_per_warm_refresh']} requests, {figures['warm_vs_local']} x local)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
