"""Starting, stopping, tokens, the request log, persistence and the foreground ``serve``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import yaml
from sandbox_support import CM, DEPLOY, apply, configmap, deployment, wait_for

import gitward.sandbox as sandbox_package
from gitward.errors import ConfigError
from gitward.sandbox import Sandbox, SandboxOptions


async def test_the_request_log_records_verbs_in_order(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.requests.clear()
    await client.post(CM, json=configmap("a"))
    await apply(client, f"{DEPLOY}/web", deployment("web"), "gitward", dryRun="All")
    await apply(client, f"{DEPLOY}/web", deployment("web"), "gitward")
    await client.get(f"{CM}/a")
    await client.get(CM)
    await client.delete(f"{CM}/a")
    records = sandbox.request_log()
    assert [(r.verb, r.kind, r.name, r.dry_run) for r in records] == [
        ("create", "ConfigMap", "", False),
        ("apply", "Deployment", "web", True),
        ("apply", "Deployment", "web", False),
        ("get", "ConfigMap", "a", False),
        ("list", "ConfigMap", "", False),
        ("delete", "ConfigMap", "a", False),
    ]
    assert records[2].field_manager == "gitward"
    assert records[2].namespace == "default"


async def test_a_sandbox_that_requires_a_token_rejects_requests_without_one() -> None:
    async with (
        Sandbox.start(SandboxOptions(require_token=True, controllers=False)) as sb,
        httpx.AsyncClient(base_url=sb.url) as client,
    ):
        refused = await client.get(CM)
        accepted = await client.get(CM, headers={"Authorization": "Bearer anything"})
    assert refused.status_code == 401
    assert refused.json()["reason"] == "Unauthorized"
    assert accepted.status_code == 200


def test_the_kubeconfig_points_at_the_sandbox(tmp_path: Path) -> None:
    with Sandbox.start(SandboxOptions(controllers=False)) as sb:
        path = sb.write_kubeconfig(tmp_path / "kube" / "config")
        config = yaml.safe_load(path.read_text())
        version = httpx.get(f"{config['clusters'][0]['cluster']['server']}/version")
    assert config["clusters"][0]["cluster"]["server"] == f"http://127.0.0.1:{sb.port}"
    assert config["users"][0]["user"]["token"]
    assert version.status_code == 200


async def test_objects_survive_a_restart_with_a_state_file(tmp_path: Path) -> None:
    options = SandboxOptions(state_file=tmp_path / "state.json", save_debounce=0.01)
    async with (
        Sandbox.start(options) as sb,
        httpx.AsyncClient(base_url=sb.url) as client,
    ):
        created = (await client.post(CM, json=configmap("kept", k="v"))).json()
    async with (
        Sandbox.start(options) as sb,
        httpx.AsyncClient(base_url=sb.url) as client,
    ):
        restored = (await client.get(f"{CM}/kept")).json()
        fresh = (await client.post(CM, json=configmap("new"))).json()
    assert restored["metadata"]["uid"] == created["metadata"]["uid"]
    assert restored["data"] == {"k": "v"}
    assert int(fresh["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


async def test_a_state_file_is_written_soon_after_a_change(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    options = SandboxOptions(state_file=state, save_debounce=0.01, controllers=False)
    async with (
        Sandbox.start(options) as sb,
        httpx.AsyncClient(base_url=sb.url) as client,
    ):
        await client.post(CM, json=configmap("a"))

        async def saved() -> bool:
            return state.exists() and '"name":"a"' in state.read_text()

        await wait_for(saved, what="state saved")


def test_a_corrupt_state_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json")
    try:
        Sandbox(SandboxOptions(state_file=state))
    except ConfigError as err:
        assert str(state) in err.message
        assert "delete it" in err.message
    else:
        raise AssertionError("a corrupt state file was accepted")


def test_serve_runs_in_the_foreground_until_interrupted(tmp_path: Path) -> None:
    kubeconfig, state = tmp_path / "kubeconfig", tmp_path / "state.json"
    code = f"from gitward.sandbox.cli import serve; serve(0, {str(kubeconfig)!r}, {str(state)!r})"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "serving on" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(20), lines
        server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        created = httpx.post(f"{server}{CM}", json=configmap("a"))
        assert created.status_code == 201
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)
        reader.join(5)
    assert process.returncode == 0
    assert lines[-1].strip() == "sandbox cluster stopped"
    saved = json.loads(state.read_text())
    assert "a" in [o["metadata"]["name"] for o in saved["objects"]]


def test_the_public_surface_is_what_callers_use() -> None:
    assert sorted(sandbox_package.__all__) == [
        "DEMO_OPTIONS",
        "ErrorRate",
        "Faults",
        "Latency",
        "RequestLog",
        "RequestRecord",
        "Sandbox",
        "SandboxOptions",
        "serve",
    ]
    for name in sandbox_package.__all__:
        assert getattr(sandbox_package, name) is not None
