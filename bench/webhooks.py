"""A webhook flood against a server with no webhook secret: its memory and the API's latency.

A server runs in a child process (so its memory is its own) over 100 stored apps, the
controller made but not reconciling, with no webhook secret configured (the default: anyone
may post). First a baseline: ``/healthz`` and ``GET /api/v1/applications`` are timed with no
flood. Then a bounded flood (``--deliveries`` posts, ``--concurrency`` at once, at most
``--seconds``) mixes three kinds of delivery: a declared 45 MB body (the attack of issue 11:
refused by its Content-Length), a 1 MB chunked body of empty commit objects (read, then refused
by the shape budget before it is decoded), and an ordinary push. The same two requests are
timed throughout the flood, from a third process. Printed: the server's resident memory before
and at its peak (``VmHWM``, reset when the flood starts), latency medians and 99th percentiles
with and without the flood and their ratios, and how each kind of delivery was answered; the
last line is one JSON object.

Usage: python bench/webhooks.py [--deliveries N] [--concurrency C] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from gitward.server.running import ServerConfig, run_server
from gitward.store import AppDefinition, Store

APPS = 100
HUGE = 45 * 1024 * 1024
EMPTY_OBJECTS = 1024 * 1024


# -- the server, in a child process --------------------------------------------------------


async def serve(data_dir: Path) -> None:
    """Run the server; print its URL and admin password; stop when stdin closes."""
    store = await Store.open(f"sqlite:///{data_dir / 'gitward.db'}", data_dir=data_dir)
    await store.apps.upsert_many([_definition(i) for i in range(APPS)])
    await store.close()
    config = ServerConfig(data_dir=data_dir, reconcile=False, metrics_port=None)
    async with run_server(config) as running:
        print(json.dumps({"url": running.url, "password": running.admin_password}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def _definition(index: int) -> AppDefinition:
    name = f"app-{index:03d}"
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/apps.git", "path": name},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
        },
    }
    return AppDefinition(name=name, project="default", document=document, labels={})


# -- the flood and the probes --------------------------------------------------------------


def memory_kb(pid: int) -> dict[str, int]:
    """The child's resident memory now (VmRSS) and at its peak so far (VmHWM), in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def reset_peak(pid: int) -> None:
    """From now on VmHWM is the peak since this call (Linux: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def push_body() -> bytes:
    return json.dumps(
        {
            "ref": "refs/heads/main",
            "after": "a" * 40,
            "repository": {"clone_url": "https://git.example.com/apps.git"},
            "commits": [{"added": ["app-001/x.yaml"], "modified": [], "removed": []}],
        }
    ).encode()


def empty_objects_body() -> bytes:
    head = (
        b'{"ref": "refs/heads/main", "repository": {"clone_url": "https://x/y.git"}, "commits": ['
    )
    count = (EMPTY_OBJECTS - len(head)) // 3
    return head + b"{}," * count + b"{}]}"


async def huge_body() -> AsyncIterator[bytes]:
    """45 MB, sent lazily (the server should stop reading long before)."""
    chunk = b"{}," * 21_845
    left = HUGE
    while left > 0:
        yield chunk[:left]
        left -= len(chunk)


GITHUB = {"X-GitHub-Event": "push", "Content-Type": "application/json"}


async def deliver(client: httpx.AsyncClient, kind: str, empty: bytes) -> str:
    try:
        if kind == "huge":
            headers = {**GITHUB, "Content-Length": str(HUGE)}
            answer = await client.post("/api/webhook", content=huge_body(), headers=headers)
        elif kind == "empty-objects":
            answer = await client.post("/api/webhook", content=_chunks(empty), headers=GITHUB)
        else:
            answer = await client.post("/api/webhook", content=push_body(), headers=GITHUB)
    except httpx.HTTPError as error:
        return f"closed ({type(error).__name__})"
    return str(answer.status_code)


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 65_536):
        yield body[start : start + 65_536]


async def flood(
    url: str, deliveries: int, concurrency: int, seconds: float, kinds_text: str
) -> dict[str, Any]:
    kinds = tuple(kind.strip() for kind in kinds_text.split(",") if kind.strip())
    answers: dict[str, collections.Counter[str]] = {k: collections.Counter() for k in kinds}
    empty = empty_objects_body()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for index in range(deliveries):
        queue.put_nowait(kinds[index % len(kinds)])
    deadline = time.monotonic() + seconds

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
            while not queue.empty() and time.monotonic() < deadline:
                kind = queue.get_nowait()
                answers[kind][await deliver(client, kind, empty)] += 1

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return {
        "seconds": time.perf_counter() - started,
        "answers": {kind: dict(counter) for kind, counter in answers.items()},
        "sent": sum(sum(counter.values()) for counter in answers.values()),
    }


async def probe(url: str, token: str, rounds: int | None) -> dict[str, list[float]]:
    """Milliseconds of /healthz and the app list, one after the other: ``rounds`` times, or
    (None) until stdin closes."""
    times: dict[str, list[float]] = {"healthz": [], "list": []}
    headers = {"Authorization": f"Bearer {token}"}
    closed = asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, headers=headers) as client:
        done = 0
        while (done < rounds) if rounds is not None else not closed.done():
            for key, path in (("healthz", "/healthz"), ("list", "/api/v1/applications")):
                started = time.perf_counter()
                (await client.get(path)).raise_for_status()
                times[key].append((time.perf_counter() - started) * 1000)
            done += 1
            await asyncio.sleep(0.02)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"median_ms": statistics.median(ordered), "p99_ms": p99, "max_ms": ordered[-1]}


async def measure(url: str, password: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url) as client:
        login = await client.post(
            "/api/v1/session", json={"username": "admin", "password": password}
        )
        token = login.json()["token"]
    baseline = await probe(url, token, rounds=50)
    before = memory_kb(pid)
    reset_peak(pid)
    prober = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--probe",
        json.dumps({"url": url, "token": token}),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    flooded = await flood(url, args.deliveries, args.concurrency, args.seconds, args.kinds)
    output, _ = await prober.communicate(b"")
    during = json.loads(output)
    after = memory_kb(pid)
    return {
        "rss_before_mb": before["VmRSS"] / 1024,
        "rss_peak_mb": after["VmHWM"] / 1024,
        "rss_after_mb": after["VmRSS"] / 1024,
        "baseline": {key: summary(values) for key, values in baseline.items()},
        "flood": {key: summary(values) for key, values in during.items()},
        "probes_during_flood": len(during["healthz"]),
        **flooded,
    }


def report(result: dict[str, Any]) -> dict[str, Any]:
    print(
        f"server RSS: {result['rss_before_mb']:.0f} MB before the flood, "
        f"peak {result['rss_peak_mb']:.0f} MB, {result['rss_after_mb']:.0f} MB after"
    )
    print(f"flood: {result['sent']} deliveries in {result['seconds']:.1f} s; answers:")
    for kind, answers in result["answers"].items():
        print(f"  {kind:14s} {answers}")
    ratios = {}
    for key in ("healthz", "list"):
        base, flood_ = result["baseline"][key], result["flood"][key]
        ratio = flood_["p99_ms"] / base["p99_ms"]
        ratios[f"{key}_p99_ratio"] = ratio
        print(
            f"{key:8s} median {base['median_ms']:.1f} -> {flood_['median_ms']:.1f} ms, "
            f"p99 {base['p99_ms']:.1f} -> {flood_['p99_ms']:.1f} ms ({ratio:.1f}x), "
            f"max during flood {flood_['max_ms']:.0f} ms"
        )
    growth = result["rss_peak_mb"] - result["rss_before_mb"]
    print(f"peak memory growth during the flood: {growth:.0f} MB")
    return {"benchmark": "webhooks", **result, **ratios, "rss_growth_mb": growth}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=120)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kinds", default="huge,empty-objects,push")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return
    if args.probe is not None:
        where = json.loads(args.probe)
        print(json.dumps(asyncio.run(probe(where["url"], where["token"], None))))
        return
    with tempfile.TemporaryDirectory() as place:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", place],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            started = json.loads(child.stdout.readline())
            result = asyncio.run(measure(started["url"], started["password"], child.pid, args))
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
    print(json.dumps(report(result)))


if __name__ == "__main__":
    main()
