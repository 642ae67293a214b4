"""The world a CLI client test runs in: a real gitward server over HTTP, with a sandbox cluster
and a real git repository, and the ``gitward`` CLI pointed at it through its own config file.

The server runs on its own event loop in a thread (``support.serving``), so the CLI
(synchronous, driven by Typer's ``CliRunner`` or a subprocess) talks to it exactly as a user's
terminal would. The repository holds one small app (``guestbook/``: a ConfigMap, a Deployment,
a Service and a Secret) under a made-up repoURL that the server maps to the temp clone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from gitward.kube import ClusterAccess
from gitward.server.running import ServerConfig
from gitward.settings import ControllerSettings
from support import applications
from support.pace import QUICK_CONTROLLER
from support.repos import commit_all, init_repository
from support.serving import ServerThread
from support.terminal import CliWorld

REPO_URL = "https://git.example.com/team/guestbook.git"
SECRET_VALUE = "s3cret-value-never-shown"

FAST = replace(QUICK_CONTROLLER, workers=2, reconciliation_s=2.0, wave_timeout_s=30.0)

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


def make_repository(where: Path) -> Path:
    """A repository on branch main with the guestbook app, one commit."""
    repo = where / "guestbook-repo"
    (repo / "guestbook").mkdir(parents=True)
    for name, document in MANIFESTS.items():
        (repo / "guestbook" / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    init_repository(repo)
    commit_all(repo, "guestbook")
    return repo


def commit_change(repo: Path, name: str, document: dict[str, Any], message: str) -> str:
    """Write one manifest, commit, and return the new commit's SHA."""
    (repo / "guestbook" / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    return commit_all(repo, message)


def application(name: str, *, namespace: str = "", automated: bool = False) -> dict[str, Any]:
    """The guestbook Application, deploying into its own namespace."""
    return applications.application(
        name,
        repo_url=REPO_URL,
        path="guestbook",
        namespace=namespace,
        app_namespace="argocd",
        automated=applications.PRUNE_AND_SELF_HEAL if automated else None,
        sync_options=applications.CREATE_NAMESPACE,
    )


def guestbook_server(
    tmp: Path,
    repo: Path,
    *,
    reconcile: bool = True,
    controller: ControllerSettings = FAST,
) -> ServerThread:
    """A server (not started yet) serving the guestbook repository under REPO_URL."""

    async def configure(access: ClusterAccess) -> ServerConfig:
        return ServerConfig(
            data_dir=tmp / "server",
            clusters=(access,),
            local_repos={REPO_URL: repo},
            controller=controller,
            reconcile=reconcile,
        )

    return ServerThread(tmp, configure)


class World(CliWorld):
    """The server, its repository, and the CLI with its own config file."""

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
