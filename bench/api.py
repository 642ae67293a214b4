"""The API at scale: list 5,000 apps through ``GET /api/v1/applications``.

The store is filled directly (5,000 apps across 10 projects, with labels; statuses as first
stored),
then a server runs over it in this process (the controller made but not reconciling, so the
numbers are the API's alone), and an admin lists every app over real HTTP, many times. Also
timed: the list filtered by project, by label selector, and one whole app with its status.
Target: the full list in under 200 ms (median). Prints figures for people, and as its last
line one JSON object for machines. Usage: python bench/api.py [--apps N] [--rounds R]
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

import httpx

from gitward.server.running import ServerConfig, run_server
from gitward.store import AppDefinition, Store

PROJECTS = 10
TARGET_MS = 200.0


def document(index: int) -> dict[str, Any]:
    project = f"team-{index % PROJECTS}"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": f"app-{index:05d}", "labels": {"team": project, "tier": "web"}},
        "spec": {
            "project": project,
            "source": {
                "repoURL": "https://git.example.com/apps.git",
                "targetRevision": "main",
                "path": f"apps/app-{index:05d}",
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": project},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    }


async def fill(database: str, apps: int) -> None:
    store = await Store.open(database)
    try:
        definitions = []
        for index in range(apps):
            doc = document(index)
            definitions.append(
                AppDefinition(
                    name=doc["metadata"]["name"],
                    project=doc["spec"]["project"],
                    document=doc,
                    labels=doc["metadata"]["labels"],
                )
            )
        await store.apps.upsert_many(definitions)
    finally:
        await store.close()


async def timed(call: Callable[[], Awaitable[httpx.Response]], rounds: int) -> list[float]:
    """Milliseconds from sending the request to holding the whole body, parsed (stdlib json;
    httpx's own ``.json()`` adds a charset detection that costs more than the server)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = await call()
        answer.raise_for_status()
        json.loads(answer.content)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def measure(apps: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        config = ServerConfig(data_dir=data, reconcile=False)
        started = time.perf_counter()
        await fill(config.database, apps)
        fill_s = time.perf_counter() - started
        async with run_server(config) as server:
            assert server.admin_password is not None
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                login = await client.post(
                    "/api/v1/session",
                    json={"username": "admin", "password": server.admin_password},
                )
                client.headers["Authorization"] = f"Bearer {login.json()['token']}"
                listed = (await client.get("/api/v1/applications")).json()["items"]
                assert len(listed) == apps, len(listed)
                full = await timed(lambda: client.get("/api/v1/applications"), rounds)
                project = await timed(
                    lambda: client.get("/api/v1/applications", params={"project": "team-3"}),
                    rounds,
                )
                selector = await timed(
                    lambda: client.get("/api/v1/applications", params={"selector": "team=team-3"}),
                    rounds,
                )
                one = await timed(lambda: client.get("/api/v1/applications/app-00042"), rounds)
    return {
        "apps": apps,
        "rounds": rounds,
        "fill_store_s": round(fill_s, 2),
        "list_5000_apps_ms": round(statistics.median(full), 1),
        "list_all_apps_p95_ms": round(sorted(full)[int(0.95 * (len(full) - 1))], 1),
        "list_one_project_ms": round(statistics.median(project), 1),
        "list_by_selector_ms": round(statistics.median(selector), 1),
        "get_one_app_ms": round(statistics.median(one), 1),
        "target_ms": TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    figures = asyncio.run(measure(args.apps, args.rounds))
    print(
        f"apps in the store:            {figures['apps']} (filled in {figures['fill_store_s']} s)"
    )
    print(
        f"list every app (median):      {figures['list_5000_apps_ms']} ms "
        f"(target < {TARGET_MS:.0f} ms; p95 {figures['list_all_apps_p95_ms']} ms)"
    )
    print(f"list one project (median):    {figures['list_one_project_ms']} ms")
    print(f"list by label (median):       {figures['list_by_selector_ms']} ms")
    print(f"get one app (median):         {figures['get_one_app_ms']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
