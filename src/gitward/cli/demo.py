"""``gitward demo``: the strategy document's setup, running, in one command and no cluster.

It copies ``examples/ai-chatbot-infra`` into a fresh git repository under the data directory
(kept across restarts with the same ``--data-dir``), starts the sandbox cluster, applies the
example's namespaces (``gitops/bootstrap/namespace.yaml``, applied by hand in the document too),
and runs gitward's server with the example's ``argocd-rbac-cm.yaml`` as its RBAC policy and its
root app bootstrapped. The example's repoURL is served from the local repository, so commits
there are what gitward sees. Then it prints the URL, the admin password (also written to
``<data-dir>/admin-password``, mode 0600) and three things to try. Ctrl-C stops it all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer
import yaml

import gitward
from gitward.cli import demo_notifications
from gitward.cli.failing import abort, abort_on
from gitward.cli.server import announce_server, until_interrupted
from gitward.errors import GitwardError
from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import DEMO_OPTIONS, Sandbox
from gitward.server.running import RunningServer, ServerConfig, run_server
from gitward.settings import ControllerSettings

__all__ = ["EXAMPLE_REPO_URL", "demo", "example_dir"]

EXAMPLE_REPO_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
ROOT_APP = "gitops/app-of-apps/argocd-root-app.yaml"
NAMESPACES = "gitops/bootstrap/namespace.yaml"
RBAC = "argocd-rbac-cm.yaml"
PASSWORD_FILE = "admin-password"  # noqa: S105 - a file name, not a password
# Quick enough that a commit shows within seconds without a webhook.
DEMO_CONTROLLER = ControllerSettings(reconciliation_s=5.0, jitter_s=1.0, workers=4)


def demo(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: a free one).")] = 8080,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the demo keeps its repository and database.")
    ] = None,
) -> None:
    """Run the ai-chatbot-infra example on a sandbox cluster, with gitward's server."""
    example = example_dir()
    if example is None:
        abort("the example repository is not here: run the demo from a gitward source checkout")
    place = data_dir or Path(tempfile.mkdtemp(prefix="gitward-demo-"))
    try:
        repo = prepare_repository(example, place / "ai-chatbot-infra")
        asyncio.run(_run(place, repo, port))
    except GitwardError as err:
        abort_on(err)
    except subprocess.CalledProcessError as err:
        abort(f"git failed: {' '.join(map(str, err.cmd))}: {(err.stderr or '').strip()}")


def example_dir() -> Path | None:
    """``examples/ai-chatbot-infra`` of the source checkout gitward runs from."""
    found = Path(gitward.__file__).resolve().parents[2] / "examples" / "ai-chatbot-infra"
    return found if (found / ROOT_APP).is_file() else None


def prepare_repository(example: Path, repo: Path) -> Path:
    """A git repository holding the example (one commit on main); kept if it exists."""
    if (repo / ".git").is_dir():
        return repo
    shutil.copytree(example, repo)
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.email", "demo@gitward.invalid"),
        ("config", "user.name", "gitward demo"),
        ("add", "-A"),
        ("commit", "-q", "-m", "ai-chatbot-infra, as in the strategy document"),
    ):
        command = ["git", "-C", str(repo), *args]  # git from PATH, as the git layer runs it
        subprocess.run(command, check=True, capture_output=True, text=True)
    return repo


async def _run(place: Path, repo: Path, port: int) -> None:
    options = dataclasses.replace(DEMO_OPTIONS, state_file=place / "sandbox-state.json")
    async with Sandbox.start(options) as sandbox:
        access = ClusterAccess(
            server=IN_CLUSTER_SERVER,
            name=IN_CLUSTER_NAME,
            kubeconfig=sandbox.write_kubeconfig(place / "kubeconfig"),
            context="sandbox",
        )
        namespaces = (repo / NAMESPACES).read_text(encoding="utf-8")
        await _apply_namespaces(access, namespaces)
        with demo_notifications.receiver(place / demo_notifications.LOG_FILE) as receiver:
            await _serve(place, repo, port, access, receiver)
    typer.echo("demo stopped")


async def _serve(place: Path, repo: Path, port: int, access: ClusterAccess, receiver: str) -> None:
    notifications = demo_notifications.notification_files(repo, place, receiver)
    config = ServerConfig(
        data_dir=place,
        port=port,
        rbac_file=repo / RBAC,
        controller=DEMO_CONTROLLER,
        clusters=(access,),
        local_repos={EXAMPLE_REPO_URL: repo},  # gitward server --repo-dir URL=DIR
        bootstrap=repo / ROOT_APP,
        notifications=notifications[0] if notifications else None,
        notifications_secret=notifications[1] if notifications else None,
    )
    async with run_server(config) as running:
        password = _remember_password(place, running)
        announce_server(running, typer.echo)
        typer.echo(tries(running.url, password, repo, place))
        if notifications is not None:
            log = place / demo_notifications.LOG_FILE
            typer.echo(f"Notifications (Argo CD's format) are appended to {log}")
        await until_interrupted()
        typer.echo("stopping the demo")


async def _apply_namespaces(access: ClusterAccess, text: str) -> None:
    cluster = RemoteCluster.connect(access)
    try:
        for document in yaml.safe_load_all(text):
            if document:
                await cluster.apply(document, force=True)
    finally:
        await cluster.close()


def _remember_password(place: Path, running: RunningServer) -> str:
    """The admin password: new on first start (then written 0600), else the one written."""
    path = place / PASSWORD_FILE
    if running.admin_password is None:
        return path.read_text(encoding="utf-8").strip() if path.is_file() else "(unknown)"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(running.admin_password + "\n")
    path.chmod(0o600)
    return running.admin_password


def tries(url: str, password: str, repo: Path, place: Path) -> str:
    """The three things to try, as commands to paste."""
    address = url.removeprefix("http://").removeprefix("https://")
    plain = " --insecure" if url.startswith("http://") else ""  # a server on this machine
    values = f"{repo}/gitops/dev/values.yaml {repo}/gitops/staging/values.yaml"
    return f"""
The admin password is also in {place / PASSWORD_FILE}.
Log in first (in another terminal):

  gitward login {address}{plain} --username admin --password {password}

1. Push a new image tag and watch dev, then staging, follow it:

  sed -i 's/tag: latest/tag: v1.1.0/' {values} && git -C {repo} commit -qam "images v1.1.0"
  gitward app wait ai-chatbot-staging --sync --health && gitward app list

2. Look at prod, waiting for a person (OutOfSync, manual sync policy):

  gitward app get ai-chatbot-prod

3. Sync prod (admin may; the example's policy lets release-managers too):

  gitward app sync ai-chatbot-prod

Ctrl-C stops the demo.
"""
