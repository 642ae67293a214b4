"""Memory of a `gitward server` at start, with no app: what is loaded before any work arrives.

Starts `gitward server` (SQLite in a scratch data directory, a free port, no cluster) as its own
process, waits until /healthz answers, then reads its resident memory (VmRSS) and whether Helm's
SDK library is mapped into it (/proc/PID/maps). The baseline, run the same way in the same
bench, is the same server with Helm's SDK imported before it starts, as every server did before
the SDK was loaded at the first Helm render. Each is started --runs times; the median is shown.

Prints figures and the difference for people, and as its last line one JSON object for machines.
Usage: python bench/memory.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 120.0
HELM_LIBRARY = "helm_python"

# Runs `gitward server ...`, optionally importing Helm's SDK first (the baseline).
RUN_SERVER = """
import runpy, sys
if sys.argv[1] == "eager":
    import helm_python
sys.argv = ["gitward", *sys.argv[2:]]
runpy.run_module("gitward", run_name="__main__")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(port: int, server: subprocess.Popen[bytes]) -> None:
    """Until /healthz answers 200 (bounded), failing if the server ends first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gitward server ended with {server.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling an HTTP endpoint that is not listening yet
    sys.exit(f"gitward server was not healthy within {START_TIMEOUT_S:.0f} s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def helm_mapped(pid: int) -> bool:
    return HELM_LIBRARY in Path(f"/proc/{pid}/maps").read_text()


def measure(mode: str) -> tuple[float, bool]:
    """RSS (MB) of one healthy server started in ``mode``, and whether Helm was loaded."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gitward-bench-memory-") as scratch:
        env = {**os.environ, "GITWARD_DATA_DIR": scratch, "GITWARD_RECONCILIATION_PERIOD": "0"}
        env.pop("KUBECONFIG", None)
        command = [sys.executable, "-c", RUN_SERVER, mode, "server", "--port", str(port)]
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_healthy(port, server)
            return rss_mb(server.pid), helm_mapped(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="servers started per mode")
    args = parser.parse_args()
    lazy = [measure("lazy") for _ in range(args.runs)]
    eager = [measure("eager") for _ in range(args.runs)]
    lazy_mb = statistics.median(rss for rss, _ in lazy)
    eager_mb = statistics.median(rss for rss, _ in eager)
    helm_at_start = any(loaded for _, loaded in lazy)
    print(f"gitward server at start, no app        : {lazy_mb:6.1f} MB RSS")
    print(f"  Helm SDK loaded at start             : {'yes' if helm_at_start else 'no'}")
    print(f"baseline: Helm SDK imported before start: {eager_mb:6.1f} MB RSS")
    print(f"saved by loading Helm at the first Helm render: {eager_mb - lazy_mb:.1f} MB")
    print(
        json.dumps(
            {
                "runs": args.runs,
                "server_start_rss_mb": round(lazy_mb, 1),
                "helm_loaded_at_start": helm_at_start,
                "baseline_helm_imported_rss_mb": round(eager_mb, 1),
                "saved_mb": round(eager_mb - lazy_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
