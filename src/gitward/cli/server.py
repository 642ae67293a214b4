"""``gitward server``: the API server and the controller in one process, until Ctrl-C.

Flags override the environment (``GITWARD_*``, see ``gitward.settings``), which overrides the
embedded defaults: SQLite under the data directory, 127.0.0.1:8080. The first start prints the
``admin`` password once; ``--reset-admin-password`` prints a new one and exits. Ctrl-C (or
SIGTERM) stops taking requests, lets each controller worker store the step it is in, and exits;
the next start resumes in-flight operations. Serving itself is ``gitward.server.running``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from gitward.cli.failing import abort, abort_on
from gitward.errors import GitwardError
from gitward.kube import ClusterAccess
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.server.auth import Authenticator
from gitward.server.auth.config import ADMIN
from gitward.server.running import RunningServer, ServerConfig, run_server
from gitward.settings import ControllerSettings, Settings
from gitward.store import RecordNotFoundError, Store

__all__ = ["announce_server", "server", "until_interrupted"]

Echo = Callable[[str], None]


def server(
    data_dir: Annotated[Path | None, typer.Option(help="Database, keys and git cache.")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="sqlite:///path or postgresql://user@host/db.")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (0: a free one).")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate: serve HTTPS.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's private key.")] = None,
    rbac: Annotated[
        Path | None, typer.Option(help="policy.csv or an argocd-rbac-cm ConfigMap YAML.")
    ] = None,
    reconciliation_period: Annotated[
        float | None, typer.Option(help="Seconds between refreshes of every app (0: off).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Apps reconciled at once.", min=1)] = None,
    server_side_diff: Annotated[
        bool | None,
        typer.Option(
            "--server-side-diff/--no-server-side-diff",
            help="Compare apps with server-side dry-run applies (Argo CD's ServerSideDiff).",
        ),
    ] = None,
    policies: Annotated[
        Path | None,
        typer.Option(
            help="ValidatingAdmissionPolicy and binding YAML files (a folder) checked before "
            "every sync ($GITWARD_POLICIES)."
        ),
    ] = None,
    bootstrap: Annotated[
        Path | None, typer.Option(help="A file with the root Application to load at start.")
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(help="The cluster Applications call https://kubernetes.default.svc."),
    ] = None,
    context: Annotated[str | None, typer.Option(help="The kubeconfig context to use.")] = None,
    reset_admin_password: Annotated[
        bool, typer.Option(help="Give admin a new random password, print it, and exit.")
    ] = False,
) -> None:
    """Serve gitward's API and run its controller until Ctrl-C."""
    settings = Settings.from_env()
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "data_dir": data_dir,
            "database_url": database_url,
            "host": host,
            "port": port,
            "tls_cert": tls_cert,
            "tls_key": tls_key,
            "rbac_file": rbac,
            "bootstrap": bootstrap,
        }.items()
        if value is not None
    }
    overrides["controller"] = _controller(
        settings, reconciliation_period, workers, server_side_diff
    )
    if kubeconfig is not None:
        overrides["clusters"] = (_in_cluster(kubeconfig, context),)
    if (tls_cert is None) != (tls_key is None):
        abort("--tls-cert and --tls-key go together", 2)
    if policies is not None:
        overrides["controller"] = replace(overrides["controller"], policies_dir=policies)
    config = ServerConfig.from_settings(settings, **overrides)
    try:
        if reset_admin_password:
            typer.echo(f"admin password: {asyncio.run(reset_admin(config))}")
            return
        asyncio.run(_serve(config, typer.echo))
    except GitwardError as err:
        abort_on(err)


def _controller(
    settings: Settings, period: float | None, workers: int | None, server_side_diff: bool | None
) -> ControllerSettings:
    changed = settings.controller
    if server_side_diff is not None:
        changed = replace(changed, server_side_diff=server_side_diff)
    if period is not None:
        changed = replace(changed, reconciliation_s=period)
    if workers is not None:
        changed = replace(changed, workers=workers)
    return changed


def _in_cluster(kubeconfig: Path, context: str | None) -> ClusterAccess:
    return ClusterAccess(
        server=IN_CLUSTER_SERVER, name=IN_CLUSTER_NAME, kubeconfig=kubeconfig, context=context
    )


async def reset_admin(config: ServerConfig) -> str:
    """A new random password for admin (made if missing); every admin session ends."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = await Store.open(
        config.database, data_dir=config.data_dir, secret_key=config.secret_key
    )
    try:
        authenticator = await Authenticator.start(store, config.auth)
        try:
            return await authenticator.reset_password(ADMIN)
        except RecordNotFoundError:
            made = await authenticator.ensure_admin()
            assert made is not None, "admin was missing a moment ago"
            return made
    finally:
        await store.close()


async def _serve(config: ServerConfig, echo: Echo) -> None:
    async with run_server(config) as running:
        announce_server(running, echo)
        await until_interrupted()
        echo("stopping: finishing the steps in progress")
    echo("gitward stopped")


def announce_server(running: RunningServer, echo: Echo) -> None:
    echo(f"gitward is serving on {running.url} (API docs: {running.url}/api/docs)")
    if running.admin_password is not None:
        echo(f"admin password (shown once): {running.admin_password}")


async def until_interrupted() -> None:
    """Return on SIGINT or SIGTERM (Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        await stop.wait()
    finally:
        for number in signals:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(number)
