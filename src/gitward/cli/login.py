"""``gitward login`` and ``gitward logout``: get a session token from a server and keep it.

As ``argocd login``: the username and password are prompted for unless given, the token is
stored in the CLI config under a context named after the server, and that context becomes the
current one. Plain HTTP sends the password unencrypted, so it needs ``--insecure``.

The token is never printed; a password is only ever sent to the server.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer

from gitward.cli import config as cli_config
from gitward.cli.client import ApiClient, ApiError, Endpoint
from gitward.cli.connecting import server_url
from gitward.cli.failing import abort, abort_on
from gitward.errors import GitwardError, UsageError

__all__ = ["log_in", "login", "logout"]


def login(
    server: Annotated[str, typer.Argument(help="The server: HOST:PORT or a URL.")],
    username: Annotated[str | None, typer.Option(help="Prompted for when not given.")] = None,
    password: Annotated[str | None, typer.Option(help="Prompted for when not given.")] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Allow plain HTTP (the default for HOST:PORT then), or an https certificate "
            "that cannot be verified.",
        ),
    ] = False,
    name: Annotated[
        str | None, typer.Option(help="Name of the context (default: HOST:PORT).")
    ] = None,
) -> None:
    """Log in to a gitward server and make it the current context."""
    try:
        url = server_url(server, insecure=insecure)
        if url.startswith("http://") and not insecure:
            raise UsageError(
                f"{url} is plain HTTP: the password and token would cross the network unencrypted",
                hint="Pass --insecure to allow it (for a server on this machine, say)",
            )
        username = username or typer.prompt("Username")
        password = password or typer.prompt("Password", hide_input=True)
        token = log_in(Endpoint(url, insecure=insecure), username, password)
        context = cli_config.Context(
            name=name or urlsplit(url).netloc,
            server=url,
            username=username,
            auth_token=token,
            insecure=insecure,
        )
        path = cli_config.config_path()
        cli_config.save(cli_config.load(path).with_context(context))
    except GitwardError as error:
        abort_on(error)
    typer.echo(f"'{username}:login' logged in successfully")
    typer.echo(f"Context '{context.name}' updated")


def logout(
    context: Annotated[
        str | None, typer.Argument(help="The context to log out of (default: the current one).")
    ] = None,
) -> None:
    """End the session with the server and forget its token."""
    try:
        path = cli_config.config_path()
        config = cli_config.load(path)
        chosen = config.context(context) if context else config.current_context()
        if chosen is None:
            raise UsageError(
                f"no context named {context!r}" if context else "not logged in to any server",
                hint="See the contexts in " + str(path),
            )
        if chosen.auth_token:
            _end_session(chosen)
        cli_config.save(config.logged_out(chosen.name))
    except GitwardError as error:
        abort_on(error)
    typer.echo(f"Logged out from '{chosen.name}'")


def log_in(endpoint: Endpoint, username: str, password: str) -> str:
    """A new session token for ``username`` from the server at ``endpoint``."""
    body = {"username": username, "password": password}
    try:
        with ApiClient(endpoint) as client:
            answer = client.post("/api/v1/session", body)
    except ApiError as error:
        if error.code == "unauthenticated":
            abort(error.problem)
        raise
    token = answer.get("token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise ApiError("the server answered the login without a token", code="bad_answer")
    return token


def _end_session(context: cli_config.Context) -> None:
    endpoint = Endpoint(context.server, context.auth_token, context.insecure)
    try:
        with ApiClient(endpoint) as client:
            client.delete("/api/v1/session")
    except ApiError as error:
        typer.echo(f"warning: the server did not end the session: {error.message}", err=True)
