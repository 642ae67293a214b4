"""``gitward demo``: the strategy document's setup, running, in one command and no cluster.

It copies ``examples/ai-chatbot-infra`` into a fresh git repository under the data directory
(kept across restarts with the same ``--data-dir``), starts the sandbox cluster, applies the
example's namespaces (``gitops/bootstrap/namespace.yaml``, applied by hand in the document too),
and runs gitward's server with the example's ``argocd-rbac-cm.yaml`` as its RBAC policy, its
``argocd-cm.yaml`` as its settings (both reloaded when edited; the demo's quick refresh period
stays) and its root app bootstrapped. The example's repoURL is served from the local repository,
so commits there are what gitward sees. Then it prints the URL, the admin password (also written
to ``<data-dir>/admin-password``, mode 0600, and checked or made anew on every start with the
same ``--data-dir``), the sandbox's kubeconfig, the webhook URL and three things to try, as
commands that work when pasted. Ctrl-C stops it all. The example ships inside the package, so an
installed gitward runs the demo from any directory.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml

import gitward
from gitward.cli import demo_notifications
from gitward.cli.failing import abort, abort_on
from gitward.errors import GitwardError
from gitward.settings import ControllerSettings

if TYPE_CHECKING:
    from gitward.kube import ClusterAccess
    from gitward.server.running import RunningServer

__all__ = ["EXAMPLE_CHARTS_DIR", "EXAMPLE_CHARTS_URL", "EXAMPLE_REPO_URL", "demo", "example_dir"]

EXAMPLE_REPO_URL = "https://github.com/giridharan-official/ai-chatbot-infra.git"
EXAMPLE_CHARTS_URL = "https://charts.bitnami.com/bitnami"
EXAMPLE_CHARTS_DIR = "charts-repo"
"""The chart repository the example's Chart.yaml takes mongodb from, and the example's directory
the demo serves it from (offline), as it serves the example's Git URL from its clone."""
ROOT_APP = "gitops/app-of-apps/argocd-root-app.yaml"
NAMESPACES = "gitops/bootstrap/namespace.yaml"
RBAC = "argocd-rbac-cm.yaml"
SETTINGS = "argocd-cm.yaml"
PASSWORD_FILE = "admin-password"  # noqa: S105 - a file name, not a password
# Quick enough that a commit shows within seconds without a webhook.
DEMO_CONTROLLER = ControllerSettings(reconciliation_s=5.0, jitter_s=1.0, workers=4)


def demo(
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1 (0: a free one).", min=0, max=65535)
    ] = 8080,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where the demo keeps its repository and database.")
    ] = None,
) -> None:
    """Run the ai-chatbot-infra example on a sandbox cluster, with gitward's server."""
    example = example_dir()
    if example is None:
        abort("the example repository is missing from this gitward installation: reinstall it")
    import asyncio  # noqa: PLC0415 - the demo's own imports load only when it runs

    from gitward.server.running import listening_socket  # noqa: PLC0415

    try:
        listening_socket("127.0.0.1", port).close()  # a port in use fails before any work
        place = data_dir or Path(tempfile.mkdtemp(prefix="gitward-demo-"))
        repo = prepare_repository(example, place / "ai-chatbot-infra")
        asyncio.run(_run(place, repo, port))
    except GitwardError as err:
        abort_on(err)
    except subprocess.CalledProcessError as err:
        abort(f"git failed: {' '.join(map(str, err.cmd))}: {(err.stderr or '').strip()}")
    except OSError as err:
        abort(f"the demo cannot use its data directory: {err}")


def example_dir() -> Path | None:
    """The example repository: shipped inside the installed package (the wheel carries it as
    ``gitward/_examples/``), else ``examples/ai-chatbot-infra`` of the source checkout."""
    package = Path(gitward.__file__).resolve().parent
    for found in (
        package / "_examples" / "ai-chatbot-infra",
        package.parents[1] / "examples" / "ai-chatbot-infra",
    ):
        if (found / ROOT_APP).is_file():
            return found
    return None


def prepare_repository(example: Path, repo: Path) -> Path:
    """A git repository holding the example (one commit on main); kept if it exists. It is
    made beside ``repo`` and renamed into place, so an interrupted start leaves none half-made."""
    if (repo / ".git").is_dir():
        return repo
    repo.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".making-", dir=repo.parent) as making:
        draft = Path(making) / repo.name
        shutil.copytree(example, draft)
        for args in (
            ("init", "-q", "-b", "main"),
            ("config", "user.email", "demo@gitward.invalid"),
            ("config", "user.name", "gitward demo"),
            ("add", "-A"),
            ("commit", "-q", "-m", "ai-chatbot-infra, as in the strategy document"),
        ):
            command = ["git", "-C", str(draft), *args]  # git from PATH, as the git layer runs it
            subprocess.run(command, check=True, capture_output=True, text=True)
        draft.rename(repo)
    return repo


async def _run(place: Path, repo: Path, port: int) -> None:
    # The sandbox, the server and the kube client load only when the demo runs (a fast CLI).
    from gitward.kube import ClusterAccess  # noqa: PLC0415
    from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER  # noqa: PLC0415
    from gitward.sandbox import DEMO_OPTIONS, Sandbox  # noqa: PLC0415

    options = dataclasses.replace(DEMO_OPTIONS, state_file=place / "sandbox-state.json")
    async with Sandbox.start(options) as sandbox:
        kubeconfig = sandbox.write_kubeconfig(place / "kubeconfig")
        access = ClusterAccess(
            server=IN_CLUSTER_SERVER,
            name=IN_CLUSTER_NAME,
            kubeconfig=kubeconfig,
            context="sandbox",
        )
        namespaces = (repo / NAMESPACES).read_text(encoding="utf-8")
        await _apply_namespaces(access, namespaces)
        with demo_notifications.receiver(place / demo_notifications.LOG_FILE) as receiver:
            await _serve(place, repo, port, access, receiver)
    typer.echo("demo stopped")


async def _serve(place: Path, repo: Path, port: int, access: ClusterAccess, receiver: str) -> None:
    from gitward.cli.serving import announce_server, until_interrupted  # noqa: PLC0415
    from gitward.server.running import ServerConfig, run_server  # noqa: PLC0415

    notifications = demo_notifications.notification_files(repo, place, receiver)
    config = ServerConfig(
        data_dir=place,
        port=port,
        rbac_file=repo / RBAC,
        settings_file=repo / SETTINGS,
        pinned=frozenset({"reconciliation_s", "jitter_s"}),
        controller=DEMO_CONTROLLER,
        clusters=(access,),
        local_repos={EXAMPLE_REPO_URL: repo},  # gitward server --repo-dir URL=DIR
        helm_repos={EXAMPLE_CHARTS_URL: repo / EXAMPLE_CHARTS_DIR},  # --helm-repo-dir URL=DIR
        bootstrap=repo / ROOT_APP,
        notifications=notifications[0] if notifications else None,
        notifications_secret=notifications[1] if notifications else None,
    )
    async with run_server(config) as running:
        password = await remember_password(place, running)
        announce_server(running, typer.echo)
        typer.echo(tries(running.url, password, repo, place, place / "kubeconfig"))
        if notifications is not None:
            log = place / demo_notifications.LOG_FILE
            typer.echo(f"Notifications (Argo CD's format) are appended to {log}")
        await until_interrupted()
        typer.echo("stopping the demo")


async def _apply_namespaces(access: ClusterAccess, text: str) -> None:
    from gitward.kube import RemoteCluster  # noqa: PLC0415 - loaded only when the demo runs

    cluster = RemoteCluster.connect(access)
    try:
        for document in yaml.safe_load_all(text):
            if document:
                await cluster.apply(document, force=True)
    finally:
        await cluster.close()


async def remember_password(place: Path, running: RunningServer) -> str:
    """The admin password, kept in ``<data-dir>/admin-password`` (0600): the first start's;
    on a later start the one kept there while it still logs in, else a new one (the file was
    lost, or the password was changed since), so the printed login always works."""
    from gitward.cli.serving import new_admin_password  # noqa: PLC0415
    from gitward.server.auth.config import ADMIN  # noqa: PLC0415

    path = place / PASSWORD_FILE
    password = running.admin_password
    if password is None:
        authenticator = running.services.authenticator
        kept = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        if kept and await authenticator.password_matches(ADMIN, kept):
            return kept
        password = await new_admin_password(authenticator)
        typer.echo(f"admin password (new, the one kept was lost or changed): {password}")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)
    return password


def gitward_command() -> str:
    """How to run this gitward from a shell as it is: ``gitward`` when that is the one on PATH,
    else the full path of the one installed beside this Python, else ``python -m gitward``."""
    beside = Path(sys.executable).parent / "gitward"
    on_path = shutil.which("gitward")
    if beside.is_file():
        if on_path is not None and Path(on_path).resolve() == beside.resolve():
            return "gitward"
        return str(beside)
    return f"{sys.executable} -m gitward"


def tries(url: str, password: str, repo: Path, place: Path, kubeconfig: Path) -> str:
    """The things to try, as commands that work when pasted."""
    address = url.removeprefix("http://").removeprefix("https://")
    plain = " --insecure" if url.startswith("http://") else ""  # a server on this machine
    values = f"{repo}/gitops/dev/values.yaml {repo}/gitops/staging/values.yaml"
    gw = gitward_command()
    return f"""
The admin password is also in {place / PASSWORD_FILE}.
The sandbox cluster's kubeconfig: {kubeconfig} (kubectl --kubeconfig {kubeconfig} get pods -A)
Webhook URL for git push events: {url}/api/webhook
Log in first (in another terminal):

  {gw} login {address}{plain} --username admin --password {password}

1. Push a new image tag and watch dev, then staging, follow it:

  for file in {values}; do {gw} values set $file --commit backend.image.tag=v1.1.0 \\
    frontend.image.tag=v1.1.0 ml.image.tag=v1.1.0 worker.image.tag=v1.1.0; done
  {gw} app wait ai-chatbot-staging --revision $(git -C {repo} rev-parse HEAD) --sync --health \\
    && {gw} app list

2. Look at prod, waiting for a person (OutOfSync, manual sync policy):

  {gw} app get ai-chatbot-prod

3. Sync prod (admin may; the example's policy lets release-managers too):

  {gw} app sync ai-chatbot-prod

Ctrl-C stops the demo.
"""
