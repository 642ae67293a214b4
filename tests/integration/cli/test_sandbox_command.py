"""``gitward sandbox``: a standalone cluster that kubectl and gitward reach the same way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from support.processes import output_lines

ROOT = Path(__file__).resolve().parents[3]


def kubectl() -> str | None:
    found = shutil.which(
        "kubectl", path=f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    )
    if found is None and os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
        pytest.fail("kubectl is required (GITWARD_REQUIRE_TOOLS=1) but not found")
    return found


def test_the_sandbox_command_serves_writes_a_kubeconfig_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    config = tmp_path / "kubeconfig"
    state = tmp_path / "state.json"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gitward", "sandbox"),
            *("--kubeconfig", str(config), "--state", str(state)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = output_lines(process)
    try:
        first = output.get(timeout=90)
        second = output.get(timeout=90)
        assert first == f"kubeconfig written to {config}\n"
        assert second.startswith("sandbox cluster serving on http://127.0.0.1:")
        server = yaml.safe_load(config.read_text())["clusters"][0]["cluster"]["server"]
        assert second.split()[4] == server
        assert httpx.get(f"{server}/version", timeout=10).json()["major"] == "1"
        tool = kubectl()
        if tool is not None:
            listed = subprocess.run(
                [tool, "--kubeconfig", str(config), "get", "namespaces", "-o", "name"],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            assert "namespace/default" in listed.stdout.split()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.stderr is not None
    err = process.stderr.read()
    rest = list(iter(lambda: output.get(timeout=30), ""))
    assert process.returncode == 0, err
    assert rest[-1] == "sandbox cluster stopped\n"
    assert state.is_file()  # saved on the way out, so a restart finds the same objects
    assert "Traceback" not in err
