"""gitward as a newcomer installs it: a wheel built from this checkout, installed into a fresh
virtual environment, runs ``gitward demo`` from ``/`` (no source checkout anywhere near) until
the example's dev app is Synced and Healthy.

The wheel is built by pip (the build backend, hatchling, comes from the package index as pip
builds always fetch it). The fresh environment holds the wheel alone; the dependencies it
declares are reached through a ``.pth`` line naming this test run's site-packages, so the test
installs nothing else from the network, and gitward itself can only come from the wheel:
``PYTHONPATH`` is cleared, and the test checks where ``gitward`` was loaded from.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
from test_demo_command import app_state, until

import gitward
from support.processes import output_lines, read_until

CHECKOUT = Path(gitward.__file__).resolve().parents[2]
DEV = "ai-chatbot-dev"


def build_wheel(out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(CHECKOUT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = out.glob("gitward-*.whl")
    return wheel


def fresh_environment(place: Path, wheel: Path) -> Path:
    """A new venv holding only the wheel; the dependencies come from ours through a .pth."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(place)], check=True)
    python = place / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return place / "bin"


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["GITWARD_CONFIG"] = str(tmp_path / "cli-config.yaml")
    return env


def test_the_wheel_carries_the_example_and_its_demo_runs_from_the_root_directory(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        assert "gitward/_examples/ai-chatbot-infra/argocd-rbac-cm.yaml" in archive.namelist()
    bin_dir = fresh_environment(tmp_path / "venv", wheel)
    env = clean_env(tmp_path)
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import gitward; print(gitward.__file__)"],
        cwd="/", env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(str(tmp_path / "venv")), where
    version = subprocess.run(
        [str(bin_dir / "gitward"), "--version"],
        cwd="/", env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert version.stdout == f"gitward {gitward.__version__}\n"

    data = tmp_path / "demo"
    process = subprocess.Popen(
        [str(bin_dir / "gitward"), "demo", "--port", "0", "--data-dir", str(data)],
        cwd="/", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    output = output_lines(process)
    try:
        lines = read_until(output, "Ctrl-C stops the demo", within=120)
        url = lines[0].split()[4]
        password = (data / "admin-password").read_text().strip()
        assert f"{bin_dir / 'gitward'} login " in "".join(lines)
        with httpx.Client(base_url=url, timeout=30) as client:
            token = client.post(
                "/api/v1/session", json={"username": "admin", "password": password}
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            until(lambda: app_state(client, DEV) == ("Synced", "Healthy"), 180, "dev")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)
    assert process.stderr is not None
    err = process.stderr.read()
    assert process.returncode == 0, err
    assert "Traceback" not in err
