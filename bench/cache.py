"""Live cache at scale: 10,000 ConfigMaps in a sandbox cluster, kept by one LiveCache.

The sandbox runs in a process of its own (so that its objects and its CPU are not counted as the
cache's), reached over HTTP like a real cluster. The bench creates the objects in concurrent
batches across a few namespaces, half of them tracked by one of ten apps, then measures:

- warm: time from registering the kind to ``wait_warm()`` (a paged list of every object),
  with tracemalloc on in this process (the server's share of the time is not traced);
- memory: bytes the warm cache keeps (tracemalloc, after the list response is freed);
- events/s: N updates applied in concurrent batches, from the first request until the cache has
  seen every one of them through its watch (bounded by how fast the server applies), and how
  long the cache lagged behind the last answered apply.

Prints figures for people, and as its last line one JSON object for machines.
Usage: python bench/cache.py [--objects N] [--updates M] [--namespaces K]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from gitward.kube import CacheEvent, ClusterAccess, LiveCache, RemoteCluster, stamp

CONFIG_MAPS = ("", "ConfigMap")
BATCH = 200
APPS = 10
_SERVE = """
import sys
from gitward.sandbox import SandboxOptions
from gitward.sandbox.cli import serve
serve(0, sys.argv[1], options=SandboxOptions(controllers=False, request_log_size=100))
"""


def config_map(index: int, namespaces: int, version: int = 0) -> dict[str, Any]:
    """ConfigMap number ``index``: ten data keys, three labels, every other one tracked."""
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"settings-{index:05}",
            "namespace": f"bench-{index % namespaces}",
            "labels": {"app": f"svc-{index % 97}", "tier": "web", "bench": "cache"},
        },
        "data": {f"key-{k}": f"value-{index}-{k}-{version}" for k in range(10)},
    }
    return stamp(obj, f"app-{index % APPS}") if index % 2 == 0 else obj


def start_sandbox(directory: Path) -> tuple[subprocess.Popen[str], Path]:
    kubeconfig = directory / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(kubeconfig)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "serving on" in line:
            return process, kubeconfig
    raise RuntimeError("the sandbox process ended before serving")


async def in_batches(calls: Iterable[Callable[[], Awaitable[Any]]]) -> None:
    pending = list(calls)
    for start in range(0, len(pending), BATCH):
        await asyncio.gather(*(call() for call in pending[start : start + BATCH]))


async def populate(cluster: RemoteCluster, objects: int, namespaces: int) -> float:
    for index in range(namespaces):
        namespace = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"bench-{index}"},
        }
        await cluster.apply(namespace)
    started = time.perf_counter()
    await in_batches((lambda i=i: cluster.apply(config_map(i, namespaces))) for i in range(objects))
    return objects / (time.perf_counter() - started)


async def warm_cache(cluster: RemoteCluster) -> tuple[LiveCache, float, int]:
    """A cache listed from cold: seconds to warm, and bytes it keeps (tracemalloc).

    Tracing covers only this process: the sandbox's own memory and work are elsewhere.
    """
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    cache = LiveCache(cluster)
    started = time.perf_counter()
    cache.watch_kinds(CONFIG_MAPS)
    await cache.wait_warm(within=80)
    warm_s = time.perf_counter() - started
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return cache, warm_s, kept


async def follow_updates(
    cluster: RemoteCluster, cache: LiveCache, updates: int, namespaces: int
) -> tuple[float, float]:
    """Events/s end to end, and the cache's lag after the last apply was answered."""
    targets = {config_map(i, namespaces)["metadata"]["name"] for i in range(updates)}
    seen: set[str] = set()

    def heard(event: CacheEvent) -> None:
        if event.type == "MODIFIED" and event.key.name in targets:
            seen.add(event.key.name)

    unsubscribe = cache.subscribe(heard)
    started = time.perf_counter()
    await in_batches(
        (lambda i=i: cluster.apply(config_map(i, namespaces, version=1))) for i in range(updates)
    )
    applied = time.perf_counter()
    await cache.wait_until(lambda: len(seen) == updates, within=60)
    done = time.perf_counter()
    unsubscribe()
    return updates / (done - started), done - applied


async def run(objects: int, updates: int, namespaces: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        process, kubeconfig = start_sandbox(Path(tmp))
        cluster = RemoteCluster.connect(
            ClusterAccess(server="https://kubernetes.default.svc", kubeconfig=kubeconfig),
            timeout=120,
        )
        try:
            create_per_s = await populate(cluster, objects, namespaces)
            cache, warm_s, kept = await warm_cache(cluster)
            events_per_s, lag_s = await follow_updates(cluster, cache, updates, namespaces)
            assert len(cache) == objects, f"the cache holds {len(cache)} of {objects} objects"
            await cache.close()
        finally:
            await cluster.close()
            process.terminate()
            process.wait(10)
    return {
        "objects": objects,
        "create_per_s": round(create_per_s, 1),
        "warm_s": round(warm_s, 3),
        "cache_mb": round(kept / 1e6, 2),
        "bytes_per_object": round(kept / objects),
        "updates": updates,
        "events_per_s": round(events_per_s, 1),
        "lag_after_last_apply_s": round(lag_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--namespaces", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = asyncio.run(run(args.objects, args.updates, args.namespaces))
    print(f"objects           {figures['objects']:>10} ConfigMaps in {args.namespaces} namespaces")
    print(f"created           {figures['create_per_s']:>10} objects/s (server-side apply)")
    print(f"warm              {figures['warm_s']:>10} s (paged list into the cache, traced)")
    print(f"cache memory      {figures['cache_mb']:>10} MB tracemalloc")
    print(f"                  {figures['bytes_per_object']:>10} bytes per object")
    print(f"events            {figures['events_per_s']:>10} /s for {figures['updates']} updates")
    print(f"lag               {figures['lag_after_last_apply_s']:>10} s after the last apply")
    print(f"bench took        {time.perf_counter() - started:>10.1f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
