"""The web UI in Chromium: how soon a person sees the list of 5,000 apps, can filter it, and
sees an app of 500 resources as a tree.

Phase 1 fills a store with 5,000 apps (as ``bench/api.py`` does) and serves it (controller not
reconciling); Chromium (Debian's, through Playwright) opens ``/applications`` with an admin
session. Measured per round, from navigation start: the first contentful paint, the moment
the first page of tiles is drawn (``gitward:apps-drawn``, the first meaningful paint), and
the time from typing a filter to the list showing only the matches (interactive). Baseline in
the same run: the same list fetched as JSON by the browser's ``fetch`` (what any client pays).
Phase 2 syncs an app of 500 ConfigMaps to a sandbox cluster and times its page until the tree
is drawn (``gitward:app-drawn``). Argo CD's list of 6,000 apps takes 2.5-4.3 s (argo-cd
#28090). Last line: one JSON object. Usage: python bench/ui.py [--apps N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

from api import fill
from gitward.kube import ClusterAccess
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.server.running import ServerConfig, run_server
from gitward.settings import ControllerSettings

REPO_URL = "https://git.example.com/wide.git"
RESOURCES = 500
TARGET_PAINT_MS = 1000.0
Make = Callable[[threading.Event, threading.Event, dict[str, Any]], Coroutine[Any, Any, None]]


class Served:
    """A server (and, when asked, a sandbox) on an event loop of its own thread."""

    def __init__(self, make: Make) -> None:
        self.info: dict[str, Any] = {}
        self._make = make
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> dict[str, Any]:
        self._thread.start()
        if not self._ready.wait(180):
            raise RuntimeError("the server did not start")
        return self.info

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        asyncio.run(self._make(self._stop, self._ready, self.info))


async def _until(stop: threading.Event) -> None:
    """Serve until the benchmark's thread sets ``stop``."""
    await asyncio.to_thread(stop.wait)


def list_server(data: Path, apps: int) -> Served:
    async def serve(stop: threading.Event, ready: threading.Event, info: dict[str, Any]) -> None:
        await fill(f"sqlite+aiosqlite:///{data / 'gitward.db'}", apps)
        config = ServerConfig(data_dir=data, reconcile=False)
        async with run_server(config) as server:
            info.update(url=server.url, password=server.admin_password)
            ready.set()
            await _until(stop)

    return Served(serve)


def wide_repository(where: Path) -> Path:
    repo = where / "wide"
    (repo / "objects").mkdir(parents=True)
    for index in range(RESOURCES):
        text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{index:03d}\n"
        (repo / "objects" / f"cm-{index:03d}.yaml").write_text(text + f"data:\n  i: '{index}'\n")
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "wide"),
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def wide_server(data: Path, repo: Path) -> Served:
    async def serve(stop: threading.Event, ready: threading.Event, info: dict[str, Any]) -> None:
        async with Sandbox.start(SandboxOptions()) as sandbox:
            access = ClusterAccess(
                server=IN_CLUSTER_SERVER,
                name=IN_CLUSTER_NAME,
                kubeconfig=sandbox.write_kubeconfig(data / "kubeconfig"),
                context="sandbox",
            )
            config = ServerConfig(
                data_dir=data,
                clusters=(access,),
                local_repos={REPO_URL: repo},
                controller=ControllerSettings(reconciliation_s=2.0, jitter_s=0.1, workers=2),
            )
            async with run_server(config) as server:
                info.update(url=server.url, password=server.admin_password)
                ready.set()
                await _until(stop)

    return Served(serve)


def token(url: str, password: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/session", json={"username": "admin", "password": password}, timeout=60
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def marks(page: Any) -> dict[str, float]:
    return page.evaluate(
        """() => Object.fromEntries([
            ...performance.getEntriesByType('mark').map(m => [m.name, m.startTime]),
            ...performance.getEntriesByType('paint').map(p => [p.name, p.startTime]),
        ])"""
    )


def list_round(page: Any) -> dict[str, float]:
    page.goto("/applications")
    page.wait_for_selector("[data-app]")
    page.wait_for_function("() => performance.getEntriesByName('gitward:apps-drawn').length > 0")
    seen = marks(page)
    started = time.perf_counter()
    page.fill("input[name=search]", "app-04999")
    page.wait_for_function("() => document.querySelectorAll('[data-app]').length === 1")
    filtered = (time.perf_counter() - started) * 1000
    fetched = page.evaluate(
        """async () => { const t = performance.now(); const r = await fetch('/api/v1/applications');
           await r.json(); return performance.now() - t; }"""
    )
    return {
        "fcp": seen.get("first-contentful-paint", 0.0),
        "drawn": seen["gitward:apps-drawn"],
        "filter": filtered,
        "fetch": fetched,
    }


def median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def run(apps: int, rounds: int) -> dict[str, Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("bench/ui.py needs Chromium (./dev setup installs Debian's)")
    figures: dict[str, Any] = {"apps": apps, "rounds": rounds, "resources": RESOURCES}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        with list_server(Path(tmp) / "list", apps) as info:
            results = [one_round(browser, info, list_round) for _ in range(rounds)]
        figures.update(
            list_first_contentful_paint_ms=median([r["fcp"] for r in results]),
            list_first_meaningful_paint_ms=median([r["drawn"] for r in results]),
            list_filter_to_result_ms=median([r["filter"] for r in results]),
            list_fetch_json_ms=median([r["fetch"] for r in results]),
        )
        figures["paint_vs_fetch"] = round(
            figures["list_first_meaningful_paint_ms"] / figures["list_fetch_json_ms"], 2
        )
        repo = wide_repository(Path(tmp))
        with wide_server(Path(tmp) / "wide", repo) as info:
            figures.update(wide_app(browser, info))
        browser.close()
    figures["target_paint_ms"] = TARGET_PAINT_MS
    return figures


def one_round(
    browser: Any, info: dict[str, Any], measure: Callable[[Any], dict[str, float]]
) -> dict[str, float]:
    context = browser.new_context(base_url=info["url"], viewport={"width": 1280, "height": 860})
    context.add_cookies(
        [
            {
                "name": "gitward.token",
                "value": token(info["url"], info["password"]),
                "url": info["url"],
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        return measure(page)
    finally:
        context.close()


def wide_app(browser: Any, info: dict[str, Any]) -> dict[str, float]:
    auth = {"Authorization": f"Bearer {token(info['url'], info['password'])}"}
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "wide"},
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "objects"},
            "destination": {"server": IN_CLUSTER_SERVER, "namespace": "default"},
            "syncPolicy": {"automated": {"prune": True}},
        },
    }
    with httpx.Client(base_url=info["url"], headers=auth, timeout=120) as client:
        client.post("/api/v1/applications", json=app).raise_for_status()
        deadline = time.monotonic() + 300
        while (
            client.get("/api/v1/applications/wide").json()["status"]["sync"]["status"] != "Synced"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the 500-resource app did not sync")
            time.sleep(0.5)

    def measure(page: Any) -> dict[str, float]:
        page.goto("/applications/wide")
        page.wait_for_function("() => performance.getEntriesByName('gitward:app-drawn').length > 0")
        page.wait_for_selector("[data-kind=ConfigMap]")
        return {
            "drawn": marks(page)["gitward:app-drawn"],
            "nodes": page.locator("[data-kind=ConfigMap]").count(),
        }

    results = [one_round(browser, info, measure) for _ in range(3)]
    assert all(r["nodes"] == RESOURCES for r in results), results
    return {"app_500_resources_drawn_ms": median([r["drawn"] for r in results])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    f = run(args.apps, args.rounds)
    print(
        f"list of {f['apps']} apps: first meaningful paint {f['list_first_meaningful_paint_ms']} ms"
        f" (first contentful paint {f['list_first_contentful_paint_ms']} ms;"
        f" target {TARGET_PAINT_MS:.0f} ms)"
    )
    print(
        f"  the same list as JSON through fetch: {f['list_fetch_json_ms']} ms"
        f" (paint/fetch = {f['paint_vs_fetch']}x);"
        f" filter to result: {f['list_filter_to_result_ms']} ms"
    )
    print(f"app of {RESOURCES} resources: tree drawn {f['app_500_resources_drawn_ms']} ms")
    print(json.dumps(f))


if __name__ == "__main__":
    main()
