"""The strategy document's release process against a real gitward server: the example
repository as a real git repository (accepting pushes to main, as a Git host does), a sandbox
cluster over HTTP, the server bootstrapped from the root app and reconciling, and the
``gitward`` CLI pointed at it through its own config file.

The server runs on its own event loop in a thread, so the CLI (Typer's runner in this thread,
or ``python -m gitward`` processes) talks to it over HTTP exactly as a terminal would.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner, Result

from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.cli.main import app as cli
from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.server.running import ServerConfig, run_server
from gitward.settings import ControllerSettings

EXAMPLE = Path(__file__).parents[3] / "examples" / "ai-chatbot-infra"
REPO_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
ROOT_APP = "gitops/app-of-apps/argocd-root-app.yaml"
START_TIMEOUT_S = 120.0
IDENTITY = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}
FAST = ControllerSettings(
    workers=4,
    reconciliation_s=1.0,
    jitter_s=0.2,
    self_heal_base_s=0.2,
    error_backoff_base_s=0.1,
    error_backoff_cap_s=1.0,
    cache_warm_s=5.0,
    poll_interval_s=0.2,
    wave_timeout_s=60.0,
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **IDENTITY},
    )
    return done.stdout.strip()


def make_repository(where: Path) -> Path:
    """The example in a fresh repository on main that takes pushes to its checked-out branch."""
    repo = where / "ai-chatbot-infra"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "receive.denyCurrentBranch", "updateInstead")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


class ServerThread:
    """gitward's server with a sandbox cluster, on an event loop of its own thread."""

    def __init__(self, tmp: Path, repo: Path) -> None:
        self.tmp, self.repo = tmp, repo
        self.url = ""
        self.admin_password = ""
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="gitward-server", daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            raise RuntimeError("the gitward server did not start in time")
        if self._failure is not None:
            raise RuntimeError("the gitward server failed to start") from self._failure
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT_S)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported to the starting thread
            self._failure = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        options = SandboxOptions(pod_ready_after=0.02, job_complete_after=0.05, time_scale=0.002)
        async with Sandbox.start(options) as sandbox:
            kubeconfig = sandbox.write_kubeconfig(self.tmp / "kubeconfig")
            access = ClusterAccess(
                server=IN_CLUSTER_SERVER,
                name=IN_CLUSTER_NAME,
                kubeconfig=kubeconfig,
                context="sandbox",
            )
            await _namespaces(access, self.repo)
            config = ServerConfig(
                data_dir=self.tmp / "server",
                clusters=(access,),
                local_repos={REPO_URL: self.repo},
                helm_repos={EXAMPLE_CHARTS_URL: self.repo / EXAMPLE_CHARTS_DIR},
                controller=FAST,
                bootstrap=self.repo / ROOT_APP,
                metrics_port=0,
            )
            async with run_server(config) as server:
                self.url = server.url
                self.admin_password = server.admin_password or ""
                self._ready.set()
                await self._stop.wait()


async def _namespaces(access: ClusterAccess, repo: Path) -> None:
    """gitops/bootstrap, applied by hand before the root app (as the document says)."""
    cluster = RemoteCluster.connect(access)
    try:
        for document in yaml.safe_load_all((repo / "gitops/bootstrap/namespace.yaml").read_text()):
            if document:
                await cluster.apply(document, force=True)
    finally:
        await cluster.close()


@dataclass
class World:
    """The server, its repository, and the CLI with its own config file."""

    tmp: Path
    server: ServerThread
    repo: Path
    config_file: Path

    def gitward(self, *args: str) -> Result:
        """``gitward ARGS`` through Typer's runner, with this world's config file."""
        environment = {"GITWARD_CONFIG": str(self.config_file), "GITWARD_SERVER": ""}
        return CliRunner().invoke(cli, list(args), env={**environment, "GITWARD_AUTH_TOKEN": ""})

    def ci(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """``python -m gitward ARGS`` as a CI job runs it, in ``cwd``."""
        return subprocess.run(
            [sys.executable, "-m", "gitward", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env={**os.environ, **IDENTITY},
        )

    def login(self) -> None:
        url, password = self.server.url, self.server.admin_password
        done = self.gitward(
            "login", url, "--username", "admin", "--password", password, "--insecure"
        )
        assert done.exit_code == 0, done.output

    def api(self) -> httpx.Client:
        token = httpx.post(
            f"{self.server.url}/api/v1/session",
            json={"username": "admin", "password": self.server.admin_password},
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=60.0)

    def wait_for(self, what: str, ready: Callable[[], Any], timeout: float = 120.0) -> Any:
        """``ready()``'s first truthy answer, asked again (bounded) until then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = ready()
            if found:
                return found
            threading.Event().wait(0.2)
        raise AssertionError(f"not within {timeout}s: {what}")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    repo = make_repository(tmp_path)
    server = ServerThread(tmp_path, repo).start()
    try:
        yield World(tmp_path, server, repo, tmp_path / "cli" / "config.yaml")
    finally:
        server.stop()
