"""The world a CLI client test runs in: a real gitward server over HTTP, with a sandbox cluster
and a real git repository, and the ``gitward`` CLI pointed at it through its own config file.

The server runs on its own event loop in a thread, so the CLI (synchronous, driven by Typer's
``CliRunner`` or a subprocess) talks to it exactly as a user's terminal would. The repository
holds one small app (``guestbook/``: a ConfigMap, a Deployment, a Service and a Secret) under
a made-up repoURL that the server maps to the temp clone.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from typer.testing import CliRunner, Result

from gitward.cli.main import app as cli
from gitward.kube import ClusterAccess
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import Sandbox, SandboxOptions
from gitward.server.running import ServerConfig, run_server
from gitward.settings import ControllerSettings

REPO_URL = "https://git.example.com/team/guestbook.git"
START_TIMEOUT_S = 90.0
SECRET_VALUE = "s3cret-value-never-shown"

FAST = ControllerSettings(
    workers=2,
    reconciliation_s=2.0,
    jitter_s=0.2,
    self_heal_base_s=0.2,
    error_backoff_base_s=0.1,
    error_backoff_cap_s=1.0,
    cache_warm_s=5.0,
    poll_interval_s=0.2,
    wave_timeout_s=30.0,
)

MANIFESTS = {
    "configmap.yaml": {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "guestbook-config"},
        "data": {"greeting": "hello"},
    },
    "deployment.yaml": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "guestbook-ui"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "guestbook-ui"}},
            "template": {
                "metadata": {"labels": {"app": "guestbook-ui"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    },
    "service.yaml": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "guestbook-ui"},
        "spec": {"selector": {"app": "guestbook-ui"}, "ports": [{"port": 80}]},
    },
    "secret.yaml": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "guestbook-secret"},
        "stringData": {"password": SECRET_VALUE},
    },
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def make_repository(where: Path) -> Path:
    """A repository on branch main with the guestbook app, one commit."""
    repo = where / "guestbook-repo"
    (repo / "guestbook").mkdir(parents=True)
    for name, document in MANIFESTS.items():
        (repo / "guestbook" / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "guestbook")
    return repo


def commit_change(repo: Path, name: str, document: dict[str, Any], message: str) -> str:
    """Write one manifest, commit, and return the new commit's SHA."""
    (repo / "guestbook" / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def application(name: str, *, namespace: str = "", automated: bool = False) -> dict[str, Any]:
    """The guestbook Application, deploying into its own namespace."""
    policy: dict[str, Any] = {"syncOptions": ["CreateNamespace=true"]}
    if automated:
        policy["automated"] = {"prune": True, "selfHeal": True}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "guestbook"},
            "destination": {"server": IN_CLUSTER_SERVER, "namespace": namespace or name},
            "syncPolicy": policy,
        },
    }


class ServerThread:
    """A gitward server with a sandbox cluster, on an event loop of its own thread."""

    def __init__(
        self,
        tmp: Path,
        repo: Path,
        *,
        reconcile: bool = True,
        controller: ControllerSettings = FAST,
    ) -> None:
        self.tmp, self.repo, self.reconcile = tmp, repo, reconcile
        self.controller = controller
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
            config = ServerConfig(
                data_dir=self.tmp / "server",
                clusters=(access,),
                local_repos={REPO_URL: self.repo},
                controller=self.controller,
                reconcile=self.reconcile,
            )
            async with run_server(config) as server:
                self.url = server.url
                self.admin_password = server.admin_password or ""
                self._ready.set()
                await self._stop.wait()


@dataclass
class World:
    """The server, its repository, and the CLI with its own config file."""

    tmp: Path
    server: ServerThread
    repo: Path
    config_file: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def run(self, *args: str, input: str | None = None, **env: str) -> Result:
        """``gitward ARGS`` through Typer's runner, with this world's config file."""
        environment = {
            "GITWARD_CONFIG": str(self.config_file),
            "GITWARD_SERVER": "",
            "GITWARD_AUTH_TOKEN": "",
            **self.env,
            **env,
        }
        return CliRunner().invoke(cli, list(args), input=input, env=environment)

    def subprocess(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """``python -m gitward ARGS`` as a separate process, with this world's config file."""
        environment = {**os.environ, "GITWARD_CONFIG": str(self.config_file)}
        environment.pop("GITWARD_SERVER", None)
        environment.pop("GITWARD_AUTH_TOKEN", None)
        return subprocess.run(
            [sys.executable, "-m", "gitward", *args],
            capture_output=True,
            text=True,
            env={**environment, **env},
            check=False,
            timeout=120,
        )

    def login(self) -> Result:
        result = self.run(
            "login",
            self.url,
            "--username",
            "admin",
            "--password",
            self.server.admin_password,
            "--insecure",
        )
        assert result.exit_code == 0, result.output
        return result

    def api(self) -> httpx.Client:
        """An API client logged in as admin, for setting the scene."""
        token = httpx.post(
            f"{self.url}/api/v1/session",
            json={"username": "admin", "password": self.server.admin_password},
        ).json()["token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"})

    def create_app(self, document: dict[str, Any]) -> None:
        with self.api() as client:
            answer = client.post("/api/v1/applications", json=document)
            assert answer.status_code == 200, answer.text

    def app(self, name: str) -> dict[str, Any]:
        with self.api() as client:
            answer = client.get(f"/api/v1/applications/{name}")
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

    def wait_for_app(
        self, name: str, ready: Callable[[dict[str, Any]], bool], timeout: float = 60.0
    ) -> dict[str, Any]:
        """The app once ``ready`` says so, asking the server again (bounded) until then."""
        found: dict[str, Any] = {}
        deadline = time.monotonic() + timeout
        with self.api() as client:
            while time.monotonic() < deadline:
                found = client.get(f"/api/v1/applications/{name}").json()
                if ready(found):
                    return found
                threading.Event().wait(0.1)
        raise AssertionError(f"app {name} never got ready; last seen: {found.get('status')}")

    def wait_for_app_gone(self, name: str, timeout: float = 60.0) -> bool:
        """Whether the app is gone in time (the server tells an admin 404 not found)."""
        deadline = time.monotonic() + timeout
        with self.api() as client:
            while time.monotonic() < deadline:
                if client.get(f"/api/v1/applications/{name}").status_code == 404:
                    return True
                threading.Event().wait(0.1)
        return False
