"""``gitward account ...``: local accounts of a gitward server, as ``argocd account``.

Passwords are prompted for (hidden, with confirmation for new ones) unless given. Changing your
own password ends your session on some servers, so the CLI logs in again with the new password
and keeps the new token, as ``argocd account update-password`` does. ``generate-token`` is the
one command that prints a token: once, to stdout, for a pipeline to capture.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from typing import Annotated

import typer

from gitward.cli import config as cli_config
from gitward.cli import output
from gitward.cli.app_requests import items
from gitward.cli.app_views import dig, text
from gitward.cli.client import ApiClient, Endpoint, quoted
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.cli.login import log_in
from gitward.cli.output import Format
from gitward.errors import UsageError

__all__ = ["accounts", "seconds"]

accounts = typer.Typer(name="account", help="Manage local accounts.", no_args_is_help=True)

AccountFlag = Annotated[
    str | None, typer.Option("--account", help="The account (default: the one logged in).")
]
_DURATION = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@accounts.command("list")
def list_accounts(
    out: Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """List accounts."""
    with session(server, auth_token) as client:
        found = output.without_credentials(items(client.get("/api/v1/account")))
    if out in (Format.JSON, Format.YAML):
        output.show_document(found, out.value)
    elif out is Format.NAME:
        sys.stdout.write("".join(text(a, "name") + "\n" for a in found))
    else:
        rows = [
            [
                text(a, "name"),
                str(dig(a, "enabled") is not False).lower(),
                ", ".join(str(c) for c in dig(a, "capabilities") or []),
            ]
            for a in found
        ]
        sys.stdout.write(output.table(["NAME", "ENABLED", "CAPABILITIES"], rows))


@accounts.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The new account's name.", show_default=False)],
    password: Annotated[str | None, typer.Option(help="Prompted for when not given.")] = None,
    capabilities: Annotated[
        str, typer.Option(help="Comma-separated: login (web and CLI), apiKey (tokens).")
    ] = "login",
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Create a local account."""
    with session(server, auth_token) as client:
        secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        wanted = [c.strip() for c in capabilities.split(",") if c.strip()]
        client.post("/api/v1/account", {"name": name, "password": secret, "capabilities": wanted})
    typer.echo(f"account '{name}' created")


@accounts.command("update-password")
def update_password(
    account: AccountFlag = None,
    current_password: Annotated[
        str | None, typer.Option(help="Password of the account logged in (prompted).")
    ] = None,
    new_password: Annotated[str | None, typer.Option(help="The new password (prompted).")] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Change the password of your account (or, as an admin, of --account)."""
    with session(server, auth_token) as client:
        myself = _caller(client)
        current = current_password or typer.prompt(f"Current password of {myself}", hide_input=True)
        new = new_password or typer.prompt(
            "New password", hide_input=True, confirmation_prompt=True
        )
        body = {"currentPassword": current, "newPassword": new}
        if account:
            body["name"] = account
        client.put("/api/v1/account/password", body)
        typer.echo("Password updated")
        me = _logged_in_context(client)
        if me is not None and me.username == myself and account in (None, myself):
            _log_in_again(me, new)


@accounts.command("generate-token")
def generate_token(
    account: AccountFlag = None,
    expires_in: Annotated[
        str, typer.Option("-e", "--expires-in", help="Lifetime such as 30m, 12h, 90d; 0: none.")
    ] = "0",
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Generate an API token for an account and print it (once)."""
    with session(server, auth_token) as client:
        lifetime = seconds(expires_in)
        name = account or _caller(client)
        body = {"expiresIn": lifetime} if lifetime else {}
        answer = client.post(f"/api/v1/account/{quoted(name)}/token", body)
    token = dig(answer, "token")
    typer.echo(token if isinstance(token, str) else "")


def seconds(duration: str) -> int:
    """``90`` / ``30s`` / ``1h30m`` / ``7d`` in seconds; ``0`` for no expiry."""
    cleaned = duration.strip()
    if cleaned.isdigit():
        return int(cleaned)
    if not cleaned or _DURATION.sub("", cleaned):
        raise UsageError(
            f"--expires-in {duration!r} is not a duration", hint="Write 30m, 12h, 7d or 0"
        )
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(cleaned))


def _caller(client: ApiClient) -> str:
    """The account the client's token belongs to, as the server says."""
    name = dig(client.get("/api/v1/account"), "name")
    if not isinstance(name, str) or not name:
        raise UsageError("the server does not say who is logged in", hint="Give --account NAME")
    return name


def _logged_in_context(client: ApiClient) -> cli_config.Context | None:
    """The config context the client talks through, if it uses the token stored there."""
    config = cli_config.load(cli_config.config_path())
    context = config.context_for_server(client.endpoint.url)
    if context is None or context.auth_token != client.endpoint.token or not context.username:
        return None
    return context


def _log_in_again(context: cli_config.Context, password: str) -> None:
    endpoint = Endpoint(context.server, insecure=context.insecure)
    token = log_in(endpoint, context.username, password)
    path = cli_config.config_path()
    renewed = replace(context, auth_token=token)
    cli_config.save(cli_config.load(path).with_context(renewed, make_current=False))
    typer.echo(f"Context '{context.name}' updated")
