"""Chart pulls: uncached against cached, from a chart repository served on 127.0.0.1.

Publishes one chart (the example's mongodb chart, packaged and indexed with the Helm SDK) on a
local HTTP chart repository, then times, per app asking for it:

- uncached: a fresh chart port and cache directory each time (index read, archive downloaded,
  checked, stored, expanded), which is what every app would pay without the cache;
- restarted: a fresh chart port on the same cache directory (the index is read again; the archive
  is found by the digest the index lists, so it is not downloaded or expanded again);
- cached: one chart port, as the controller keeps it (the listing of this cycle and the archive
  by digest: no request at all).

Prints figures and ratios for people, and as its last line one JSON object for machines.
Usage: python bench/charts.py [--pulls N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import helm_python as helm

from gitward.charts import ChartRepositories, ChartRequest

PROJECT = Path(__file__).resolve().parents[1]
CHART = PROJECT / "examples" / "ai-chatbot-infra" / "charts-repo" / "mongodb"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


async def pull(charts: ChartRepositories, url: str) -> None:
    request = ChartRequest(url, "mongodb")
    checkout = await charts.checkout(request, await charts.resolve(request, "^15"))
    assert (checkout.root / "Chart.yaml").is_file()


async def timed(pulls: int, url: str, work: Path) -> dict[str, float]:
    """Seconds per pull for each way of asking."""
    start = time.perf_counter()
    for index in range(pulls):
        await pull(ChartRepositories(work / f"fresh-{index}"), url)
    uncached = (time.perf_counter() - start) / pulls

    await pull(ChartRepositories(work / "shared"), url)
    start = time.perf_counter()
    for _ in range(pulls):
        await pull(ChartRepositories(work / "shared"), url)
    restarted = (time.perf_counter() - start) / pulls

    kept = ChartRepositories(work / "kept")
    await pull(kept, url)
    start = time.perf_counter()
    for _ in range(pulls):
        await pull(kept, url)
    cached = (time.perf_counter() - start) / pulls
    assert kept.archives.stored == 1 and kept.listings_read == 1
    return {"uncached": uncached, "restarted": restarted, "cached": cached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pulls", type=int, default=30)
    pulls = parser.parse_args().pulls
    work = Path(tempfile.mkdtemp(prefix="gitward-bench-charts-"))
    served = work / "served"
    helm.package(CHART, destination=served)
    helm.repo_index_generate(served)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        seconds = asyncio.run(timed(pulls, url, work))
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(work, ignore_errors=True)
    uncached, restarted, cached = seconds["uncached"], seconds["restarted"], seconds["cached"]
    print(f"pulls: {pulls} of mongodb 15.6.5 from a chart repository on 127.0.0.1")
    print(f"uncached (index + download + check + expand): {1000 * uncached:8.2f} ms/pull")
    print(f"restarted (index only, archive by digest)   : {1000 * restarted:8.2f} ms/pull")
    print(f"cached (same cycle, same chart port)         : {1000 * cached:8.3f} ms/pull")
    print(
        f"cached vs uncached: {uncached / cached:.0f}x   "
        f"restarted vs uncached: {uncached / restarted:.1f}x"
    )
    result = {
        "pulls": pulls,
        "uncached_ms_per_pull": round(1000 * uncached, 3),
        "restarted_ms_per_pull": round(1000 * restarted, 3),
        "cached_ms_per_pull": round(1000 * cached, 4),
        "ratio_cached_vs_uncached": round(uncached / cached, 1),
        "ratio_restarted_vs_uncached": round(uncached / restarted, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
