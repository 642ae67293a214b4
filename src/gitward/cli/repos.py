"""``gitward repo ...``: the Git repositories a gitward server may read, with credentials.

As ``argocd repo add|list|rm``. A password is prompted for (hidden) when ``--username`` comes
without ``--password``; an SSH key is read from a file. Credentials go to the server only:
they are never printed, and any the server might send back are masked before output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from gitward.cli import output
from gitward.cli.app_requests import items
from gitward.cli.app_views import text
from gitward.cli.client import quoted
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.cli.output import Format
from gitward.errors import Location, UsageError
from gitward.redaction import redact_url

__all__ = ["repos"]

repos = typer.Typer(name="repo", help="Manage repository connections.", no_args_is_help=True)

RepoUrl = Annotated[str, typer.Argument(help="The repository URL.", show_default=False)]


@repos.command("add")
def add(
    repo: RepoUrl,
    repo_type: Annotated[
        str,
        typer.Option("--type", help="git, or helm for a Helm chart repository or OCI registry."),
    ] = "git",
    name: Annotated[str, typer.Option(help="A name for the repository.")] = "",
    enable_oci: Annotated[
        bool, typer.Option(help="The helm repository is an OCI registry (Argo CD's flag).")
    ] = False,
    username: Annotated[str | None, typer.Option(help="User name for HTTPS.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password or token for HTTPS (prompted if omitted).")
    ] = None,
    ssh_private_key_path: Annotated[
        Path | None, typer.Option(help="Private key file for SSH.")
    ] = None,
    insecure_skip_server_verification: Annotated[
        bool, typer.Option(help="Accept any TLS certificate or SSH host key.")
    ] = False,
    upsert: Annotated[bool, typer.Option(help="Replace the repository if it exists.")] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Add a repository connection."""
    with session(server, auth_token) as client:
        kind = "oci" if enable_oci else repo_type
        body: dict[str, Any] = {
            "repo": repo,
            "type": kind,
            "insecure": insecure_skip_server_verification,
        }
        if name:
            body["name"] = name
        if username:
            body["username"] = username
            body["password"] = password or typer.prompt("Password", hide_input=True)
        if ssh_private_key_path is not None:
            body["sshPrivateKey"] = _read_key(ssh_private_key_path)
        client.post("/api/v1/repositories", body, {"upsert": "true"} if upsert else {})
    typer.echo(f"Repository '{redact_url(repo)}' added")


@repos.command("list")
def list_repos(
    out: Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """List repository connections."""
    with session(server, auth_token) as client:
        found = output.without_credentials(items(client.get("/api/v1/repositories")))
    if out in (Format.JSON, Format.YAML):
        output.show_document(found, out.value)
    elif out is Format.NAME:
        sys.stdout.write("".join(redact_url(text(r, "repo")) + "\n" for r in found))
    else:
        headers = ["TYPE", "NAME", "REPO", "INSECURE", "CREDS", "PROJECT"]
        rows = [
            [
                text(r, "type") or "git",
                text(r, "name"),
                redact_url(text(r, "repo")),
                str(r.get("insecure") is True).lower(),
                str(bool(r.get("username") or r.get("hasCredentials"))).lower(),
                text(r, "project"),
            ]
            for r in found
            if isinstance(r, dict)
        ]
        sys.stdout.write(output.table(headers, rows))


@repos.command("rm")
def remove(repo: RepoUrl, server: ServerFlag = None, auth_token: AuthTokenFlag = None) -> None:
    """Remove a repository connection."""
    with session(server, auth_token) as client:
        client.delete(f"/api/v1/repositories/{quoted(repo)}")
    typer.echo(f"Repository '{redact_url(repo)}' removed")


def _read_key(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            "cannot read the SSH private key",
            where=Location(file=str(path)),
            hint="Give --ssh-private-key-path a readable key file",
        ) from error
