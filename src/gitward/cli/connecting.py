"""Which server a client command talks to, with which token, and how its failures end.

``--server`` / ``GITWARD_SERVER`` and ``--auth-token`` / ``GITWARD_AUTH_TOKEN`` win over the
config file's current context, as Argo CD's flags and ``ARGOCD_SERVER``/``ARGOCD_AUTH_TOKEN``
do. :func:`session` opens the client and turns every gitward error raised inside it into one
``error: ...`` line and an exit code, so commands only describe their work.

This module must not render anything but that error line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import urlsplit

import typer

from gitward.cli import config as cli_config
from gitward.cli.client import ApiClient, Endpoint
from gitward.cli.failing import EXIT_FAILED, EXIT_USAGE, abort
from gitward.errors import GitwardError, UsageError

__all__ = ["AuthTokenFlag", "ServerFlag", "endpoint", "server_url", "session"]

ServerFlag = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="GITWARD_SERVER",
        help="gitward server address (default: the current context's, see gitward login).",
        show_default=False,
    ),
]
AuthTokenFlag = Annotated[
    str | None,
    typer.Option(
        "--auth-token",
        envvar="GITWARD_AUTH_TOKEN",
        help="Authentication token (default: the one gitward login stored).",
        show_default=False,
    ),
]


def server_url(address: str, *, insecure: bool) -> str:
    """A server URL from what a user typed: ``host:port`` means https (http with ``insecure``)."""
    text = address.strip().rstrip("/")
    if "://" not in text:
        text = f"{'http' if insecure else 'https'}://{text}"
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(
            f"{address!r} is not a server address",
            hint="Write HOST:PORT or https://HOST:PORT",
        )
    if parts.username or parts.password:
        raise UsageError("the server address must not carry credentials")
    return text


def endpoint(
    server: str | None, auth_token: str | None, config: cli_config.ClientConfig
) -> Endpoint:
    """Where to send requests: the flags (or their variables), else the current context."""
    if server:
        known = _context_for(config, server)
        url = known.server if known else server_url(server, insecure=False)
        token = auth_token or (known.auth_token if known else "")
        return Endpoint(url, token, insecure=bool(known and known.insecure))
    current = config.current_context()
    if current is None:
        raise UsageError(
            "no gitward server to talk to",
            hint="Run gitward login SERVER, or pass --server (or set GITWARD_SERVER)",
        )
    return Endpoint(current.server, auth_token or current.auth_token, current.insecure)


@contextmanager
def session(
    server: str | None, auth_token: str | None, *, error_exit: int = EXIT_FAILED
) -> Iterator[ApiClient]:
    """An open client for the command; any gitward error inside ends the command with
    ``error: ...`` on stderr and ``error_exit`` (2 for usage errors)."""
    try:
        config = cli_config.load(cli_config.config_path())
        with ApiClient(endpoint(server, auth_token, config)) as client:
            yield client
    except GitwardError as error:
        abort(error.message, EXIT_USAGE if isinstance(error, UsageError) else error_exit)


def _context_for(config: cli_config.ClientConfig, server: str) -> cli_config.Context | None:
    named = config.context(server)
    if named is not None:
        return named
    for candidate in (server_url(server, insecure=False), server_url(server, insecure=True)):
        found = config.context_for_server(candidate)
        if found is not None:
            return found
    return None
