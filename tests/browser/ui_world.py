"""The world the browser tests drive: the strategy document's repository (the example, in a real
git repository), a sandbox cluster, and a gitward server with the example's RBAC and root app,
all on an event loop of their own thread, as ``gitward demo`` runs them.

The tests reach it only as a person would: Chromium over HTTP. ``session_for`` mints a single
sign-on session (as the OIDC login would) so a test can be a user of a group of the example's
policy without an identity provider.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import yaml

from gitward.cli.demo import EXAMPLE_CHARTS_DIR, EXAMPLE_CHARTS_URL
from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.server.running import RunningServer, ServerConfig, run_server
from gitward.settings import ControllerSettings

EXAMPLE = Path(__file__).parents[2] / "examples" / "ai-chatbot-infra"
REPO_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
START_TIMEOUT_S = 90.0
DEVELOPERS_ONLY = "app-developers"
"""A group the tests map to the document's ``developers`` role alone (its own groups map
``devops-team`` to both developers and release managers)."""
FAST = ControllerSettings(
    workers=4,
    reconciliation_s=1.0,
    jitter_s=0.1,
    self_heal_base_s=0.2,
    error_backoff_base_s=0.1,
    error_backoff_cap_s=1.0,
    cache_warm_s=5.0,
    poll_interval_s=0.2,
    wave_timeout_s=60.0,
)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def make_repository(where: Path) -> Path:
    repo = where / "ai-chatbot-infra"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ai-chatbot-infra, as in the strategy document")
    return repo


class UiWorld:
    """The running server; ``call`` runs a coroutine on its loop (to seed the store)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.repo = make_repository(tmp)
        self.url = ""
        self.admin_password = ""
        self.server: RunningServer | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="gitward-ui-world", daemon=True)

    def start(self) -> UiWorld:
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

    def call(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(make(), self._loop).result(60)

    def session_for(self, name: str, *groups: str) -> tuple[str, str]:
        """(cookie name, token) of a single sign-on session for ``name`` in ``groups``."""
        assert self.server is not None
        services = self.server.services
        token = services.authenticator.sso_session(name, tuple(groups)).token
        return services.cookies.name, token

    def commit(self, path: str, change: Callable[[str], str], message: str) -> str:
        file = self.repo / path
        file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")
        git(self.repo, "commit", "-q", "-am", message)
        return git(self.repo, "rev-parse", "HEAD")

    def _rbac_file(self) -> Path:
        """The example's argocd-rbac-cm, plus a group mapped to ``developers`` alone."""
        document = yaml.safe_load((self.repo / "argocd-rbac-cm.yaml").read_text(encoding="utf-8"))
        document["data"]["policy.csv"] += f"g, {DEVELOPERS_ONLY}, developers\n"
        written = self.tmp / "argocd-rbac-cm.yaml"
        written.write_text(yaml.safe_dump(document), encoding="utf-8")
        return written

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
            access = ClusterAccess(
                server=IN_CLUSTER_SERVER,
                name=IN_CLUSTER_NAME,
                kubeconfig=sandbox.write_kubeconfig(self.tmp / "kubeconfig"),
                context="sandbox",
            )
            namespaces = (self.repo / "gitops/bootstrap/namespace.yaml").read_text(encoding="utf-8")
            await _apply(access, namespaces)
            config = ServerConfig(
                data_dir=self.tmp / "server",
                rbac_file=self._rbac_file(),
                controller=FAST,
                clusters=(access,),
                local_repos={REPO_URL: self.repo},
                helm_repos={EXAMPLE_CHARTS_URL: self.repo / EXAMPLE_CHARTS_DIR},
                bootstrap=self.repo / "gitops/app-of-apps/argocd-root-app.yaml",
            )
            async with run_server(config) as server:
                self.server = server
                self.url = server.url
                self.admin_password = server.admin_password or ""
                self._ready.set()
                await self._stop.wait()


async def _apply(access: ClusterAccess, text: str) -> None:
    cluster = RemoteCluster.connect(access)
    try:
        for document in yaml.safe_load_all(text):
            if document:
                await cluster.apply(document, force=True)
    finally:
        await cluster.close()
