"""``gitward demo`` as a person runs it: a process that serves the example on a sandbox
cluster, says where and with which password, deploys dev and staging by itself, and stops
cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from support.example import DEV, PROD, STAGING
from support.processes import output_lines, read_until
from support.waiting import wait_for


def app_state(client: httpx.Client, name: str) -> tuple[str, str]:
    """The app's sync and health status; empty until the root app has made it."""
    answer = client.get(f"/api/v1/applications/{name}")
    if answer.status_code == 404:
        return "", ""
    status: dict[str, Any] = answer.json()["status"]
    return status["sync"]["status"], status["health"]["status"]


def until(condition: Any, within: float, what: str) -> None:
    """Look at ``condition()`` again and again until it holds; fail after ``within``."""
    wait_for(condition, within, what, every=0.5)


def run_printed(command: str, tmp_path: Path, then: tuple[str, ...]) -> str:
    """Run a command line the demo printed, as a person pastes it (whatever runs gitward there:
    ``gitward``, a venv's ``bin/gitward`` or ``python -m gitward``), then the same with
    ``*then``."""
    env = {**os.environ, "GITWARD_CONFIG": str(tmp_path / "cli-config.yaml")}
    words = shlex.split(command)
    program = words[: words.index("login")]
    assert program in (["gitward"], [str(Path(sys.executable).parent / "gitward")])
    for argv in (words, [*program, *then]):
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
    return done.stdout


def run_step_one(lines: list[str], tmp_path: Path) -> str:
    """Step 1 as printed (commit a new image tag, wait for staging at that commit, list the
    apps), run by a shell as a person pastes it; what it printed."""
    start = next(i for i, line in enumerate(lines) if line.startswith("1. Push"))
    step = "".join(lines[start + 1 :]).split("\n\n")[0].strip("\n")
    done = subprocess.run(
        ["bash", "-c", f"set -e\n{step}"],
        env={**os.environ, "GITWARD_CONFIG": str(tmp_path / "cli-config.yaml")},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_demo_serves_deploys_dev_and_staging_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gitward", "demo", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = output_lines(process)
    try:
        lines = read_until(output, "Ctrl-C stops the demo", within=120)
        url = lines[0].split()[4]
        password = (tmp_path / "admin-password").read_text().strip()
        assert f"(shown once): {password}" in "".join(lines)
        assert stat.S_IMODE((tmp_path / "admin-password").stat().st_mode) == 0o600
        assert f" login {url.removeprefix('http://')} --insecure" in "".join(lines)
        assert f"kubeconfig: {tmp_path / 'kubeconfig'}" in "".join(lines)
        assert f"Webhook URL for git push events: {url}/api/webhook" in "".join(lines)
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.get("/healthz").text == "ok"
            token = client.post(
                "/api/v1/session", json={"username": "admin", "password": password}
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            settings = client.get("/api/v1/settings").json()
            assert settings["settingsFile"].endswith("argocd-cm.yaml")
            assert {"apiGroups": [""], "kinds": ["Event"], "clusters": []} in settings[
                "resourceExclusions"
            ]
            assert settings["reconciliationSeconds"] == 5.0  # the demo's own, not the file's 180
            until(lambda: app_state(client, STAGING) == ("Synced", "Healthy"), 180, "staging")
            assert app_state(client, DEV) == ("Synced", "Healthy")
            # prod comes in the root's last wave, after staging: wait for it to be compared
            until(lambda: app_state(client, PROD)[0] == "OutOfSync", 120, "prod compared")
            tree = client.get(f"/api/v1/applications/{DEV}/resource-tree").json()["nodes"]
            kinds = {node["kind"] for node in tree}
            assert {"Deployment", "ReplicaSet", "Pod"} <= kinds
            diffs = client.get(f"/api/v1/applications/{PROD}/managed-resources").json()
            assert {item["status"] for item in diffs["items"]} == {"Missing"}
        printed_login = next(line for line in lines if " login 127.0.0.1:" in line)
        shown = run_printed(printed_login, tmp_path, then=("app", "get", PROD))
        assert "Sync Policy:        manual" in shown
        listed = run_step_one(lines, tmp_path)
        head = subprocess.run(
            ["git", "-C", str(tmp_path / "ai-chatbot-infra"), "rev-parse", "--short=7", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        staging = next(row for row in listed.splitlines() if row.startswith(STAGING))
        assert staging.split()[2:4] == ["Synced", "Healthy"]
        assert head in staging  # the promotion itself, not the state before the push
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=90)  # stdout stays with the reader thread (communicate would race it)
    assert process.stderr is not None
    err = process.stderr.read()
    rest = read_until(output, "demo stopped", within=10)
    assert process.returncode == 0, err
    assert rest[-1] == "demo stopped\n"
    assert "Traceback" not in err
