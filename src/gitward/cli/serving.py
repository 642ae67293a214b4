"""What ``gitward server`` and ``gitward demo`` run once their flags are read: the server itself.

This is the heavy side of those commands (the store, the controller, the API, the Helm SDK),
kept out of :mod:`gitward.cli.server` so that reading the command line, ``--help`` and every
client command start without loading any of it. Failures a person can cause (a port in use, an
unreadable file) end as one ``error: ...`` line through :mod:`gitward.cli.failing`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitward.cli.failing import abort_on
from gitward.errors import GitwardError
from gitward.kube import ClusterAccess
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.server.auth import Authenticator
from gitward.server.auth.config import ADMIN
from gitward.server.running import RunningServer, ServerConfig, run_server
from gitward.settings import Settings
from gitward.store import RecordNotFoundError, Store

__all__ = ["announce_server", "in_cluster", "reset_admin", "run", "until_interrupted"]

Echo = Callable[[str], None]


def run(settings: Settings, overrides: dict[str, Any], *, reset: bool, echo: Echo) -> None:
    """Serve until Ctrl-C (or, with ``reset``, give admin a new password and print it)."""
    try:
        config = ServerConfig.from_settings(settings, **overrides)
        if reset:
            echo(f"admin password: {asyncio.run(reset_admin(config))}")
            return
        asyncio.run(_serve(config, echo))
    except GitwardError as err:
        abort_on(err)


def in_cluster(kubeconfig: Path, context: str | None) -> ClusterAccess:
    """The cluster Applications call ``https://kubernetes.default.svc``, from a kubeconfig."""
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
        return await new_admin_password(await Authenticator.start(store, config.auth))
    finally:
        await store.close()


async def new_admin_password(authenticator: Authenticator) -> str:
    """A new random password for admin, made with it when the account is missing."""
    try:
        return await authenticator.reset_password(ADMIN)
    except RecordNotFoundError:
        made = await authenticator.ensure_admin()
        assert made is not None, "admin was missing a moment ago"
        return made


async def _serve(config: ServerConfig, echo: Echo) -> None:
    async with run_server(config) as running:
        announce_server(running, echo)
        await until_interrupted()
        echo("stopping: finishing the steps in progress")
    echo("gitward stopped")


def announce_server(running: RunningServer, echo: Echo) -> None:
    """Where the server listens, and the first start's admin password."""
    echo(f"gitward is serving on {running.url} (web UI; API docs: {running.url}/api/docs)")
    if running.metrics_url is not None:
        echo(f"Prometheus metrics: {running.metrics_url}")
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
