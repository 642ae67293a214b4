"""``gitward sandbox fault``: the documented way to make a running sandbox misbehave, driven
through the real CLI against a real sandbox over HTTP (and kubectl, for the incident scenario
of the user guide)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app
from gitward.sandbox import Sandbox, SandboxOptions

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox.start(SandboxOptions(pod_ready_after=0.05)) as running:
        running.write_kubeconfig(tmp_path / "kubeconfig")
        yield running


def fault(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["sandbox", "fault", "--kubeconfig", str(tmp_path / "kubeconfig"), *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_an_image_is_marked_crashing_then_ok_again(sandbox: Sandbox, tmp_path: Path) -> None:
    code, out, _ = fault(tmp_path, "image-crashing", "backend:v1.0.0")
    assert code == 0
    assert out == (
        f"sandbox {sandbox.url}\n"
        "  missing images:  none\n"
        "  crashing images: backend:v1.0.0\n"
        "  latency:         none\n"
        "  errors:          none\n"
    )
    assert sandbox.faults.is_crashing("backend:v1.0.0")
    fault(tmp_path, "image-missing", "frontend:*")
    assert sandbox.faults.is_missing("frontend:v2")
    assert sandbox.faults.is_crashing("backend:v1.0.0")  # adding one keeps the others
    code, out, _ = fault(tmp_path, "image-ok", "backend:v1.0.0")
    assert code == 0
    assert "  crashing images: none\n" in out
    assert not sandbox.faults.is_crashing("backend:v1.0.0")
    assert sandbox.faults.is_missing("frontend:v2")


def test_latency_and_errors_are_set_shown_and_cleared(sandbox: Sandbox, tmp_path: Path) -> None:
    assert fault(tmp_path, "latency", "15ms")[0] == 0
    code, out, _ = fault(tmp_path, "errors", "5%", "--status", "429")
    assert code == 0
    assert "  latency:         15ms\n" in out
    assert "  errors:          5% of requests answered 429\n" in out
    rate = sandbox.faults.error_rate()
    assert rate is not None and (rate.ratio, rate.status) == (0.05, 429)
    code, out, _ = fault(tmp_path, "clear")
    assert code == 0
    assert out.endswith("  latency:         none\n  errors:          none\n")
    assert sandbox.faults.latency() is None and sandbox.faults.error_rate() is None


def test_dropping_watches_says_how_many_were_open(sandbox: Sandbox, tmp_path: Path) -> None:
    code, out, _ = fault(tmp_path, "drop-watches")
    assert code == 0
    assert out.splitlines()[0] == "dropped 0 open watch stream(s)"


def test_bad_values_are_usage_errors(sandbox: Sandbox, tmp_path: Path) -> None:
    code, _, err = fault(tmp_path, "latency", "15")
    assert (code, err) == (2, "error: latency '15' is not a duration: write it as 15ms or 0.5s\n")
    code, _, err = fault(tmp_path, "errors", "150%")
    assert (code, err) == (2, "error: error rate '150%' must be between 0% and 100%\n")
    assert sandbox.faults.latency() is None


def test_a_stopped_sandbox_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with Sandbox.start(SandboxOptions()) as stopped:
        stopped.write_kubeconfig(tmp_path / "kubeconfig")
    code, _, err = fault(tmp_path, "show")
    assert code == 1
    assert err.startswith(f"error: cannot reach the sandbox at {stopped.url} (")
    assert err.count("\n") == 1
    missing = CliRunner().invoke(
        app, ["sandbox", "fault", "--kubeconfig", str(tmp_path / "none"), "show"]
    )
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"error: cannot read the kubeconfig {tmp_path / 'none'}")


def test_the_fault_command_loads_no_server_side_module() -> None:
    heavy = ("gitward.sandbox", "gitward.server", "gitward.controller", "sqlalchemy", "lupa")
    probe = (
        "import sys, gitward.cli.sandbox, gitward.cli.sandbox_faults;"
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout == "[]\n"


def kubectl_binary() -> str:
    found = shutil.which(
        "kubectl", path=f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    )
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail("kubectl is required (GITWARD_REQUIRE_TOOLS=1) but not found")
        pytest.skip("kubectl binary not found (run ./dev setup to fetch it)")
    return found


def test_the_user_guides_incident_a_crashing_release_rolled_back(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    tool, config = kubectl_binary(), str(tmp_path / "kubeconfig")

    def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool, "--kubeconfig", config, "--cache-dir", str(tmp_path / "kc"), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    kubectl("create", "deployment", "backend", "--image=backend:v0.9.5")
    assert kubectl("rollout", "status", "deploy/backend", "--timeout=30s").returncode == 0
    assert fault(tmp_path, "image-crashing", "backend:v1.0.0")[0] == 0
    kubectl("set", "image", "deploy/backend", "backend=backend:v1.0.0")
    deadline = time.monotonic() + 30
    while "CrashLoopBackOff" not in kubectl("get", "pods", "--no-headers").stdout:
        assert time.monotonic() < deadline, "no pod reached CrashLoopBackOff"
        time.sleep(0.1)
    rows = kubectl("get", "pods", "--no-headers").stdout.splitlines()
    crashing = next(row.split()[0] for row in rows if "CrashLoopBackOff" in row)
    crashed = kubectl("logs", crashing).stdout  # deploy/backend would pick the healthy old pod
    assert "ModuleNotFoundError: No module named 'pydantic_settings'" in crashed
    kubectl("set", "image", "deploy/backend", "backend=backend:v0.9.5")
    rolled_back = kubectl("rollout", "status", "deploy/backend", "--timeout=30s")
    assert rolled_back.returncode == 0, rolled_back.stderr


def test_a_kubeconfig_list_as_kubectl_reads_it_finds_the_sandbox(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    listed = os.pathsep.join([str(tmp_path / "absent"), str(tmp_path / "kubeconfig")])
    result = CliRunner().invoke(app, ["sandbox", "fault", "show"], env={"KUBECONFIG": listed})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"sandbox {sandbox.url}"
