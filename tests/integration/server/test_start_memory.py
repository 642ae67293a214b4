"""`gitward server` with no Helm app does not load Helm's SDK (~50 MB resident): it loads at
the first Helm render. Run as its own process, as a person runs it; the library's presence is
read from the process's own memory map while it serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server ended before it was healthy"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)  # not listening yet
    pytest.fail("the server was not healthy within 90 s")


def test_a_server_with_no_helm_app_has_not_loaded_helm(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "GITWARD_DATA_DIR": str(tmp_path), "GITWARD_RECONCILIATION_PERIOD": "0"}
    env.pop("KUBECONFIG", None)
    command = [sys.executable, "-m", "gitward", "server", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", server)
        mapped = Path(f"/proc/{server.pid}/maps").read_text()
        python_mapped = "python" in mapped or "libpython" in mapped or ".so" in mapped
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert python_mapped  # the map was read from a live process
    assert "helm_python" not in mapped
