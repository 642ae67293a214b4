"""``gitward cluster ...``: the Kubernetes clusters a gitward server deploys to.

As ``argocd cluster add|list|rm``, with the credentials given directly (a bearer token file, a
CA file) since gitward does not install a service account into the cluster for you. The token
is read from a file, never taken on the command line (shell history), and never printed.
"""

from __future__ import annotations

import base64
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

__all__ = ["clusters"]

clusters = typer.Typer(name="cluster", help="Manage cluster credentials.", no_args_is_help=True)

ClusterServer = Annotated[
    str, typer.Argument(help="The cluster's API server URL.", show_default=False)
]


@clusters.command("add")
def add(
    cluster: ClusterServer,
    name: Annotated[str, typer.Option(help="The name Applications may use for it.")] = "",
    bearer_token_file: Annotated[
        Path | None, typer.Option(help="File holding the bearer token to authenticate with.")
    ] = None,
    ca_file: Annotated[
        Path | None, typer.Option(help="PEM file of the CA that signed the API's certificate.")
    ] = None,
    insecure_skip_tls_verify: Annotated[
        bool, typer.Option(help="Accept any certificate from the cluster's API.")
    ] = False,
    upsert: Annotated[bool, typer.Option(help="Replace the cluster if it exists.")] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Add a cluster gitward may deploy to."""
    with session(server, auth_token) as client:
        tls: dict[str, Any] = {"insecure": insecure_skip_tls_verify}
        if ca_file is not None:
            tls["caData"] = base64.b64encode(_read(ca_file, "--ca-file")).decode("ascii")
        config: dict[str, Any] = {"tlsClientConfig": tls}
        if bearer_token_file is not None:
            token = _read(bearer_token_file, "--bearer-token-file").decode("utf-8").strip()
            config["bearerToken"] = token
        body = {"server": cluster, "name": name, "config": config}
        client.post("/api/v1/clusters", body, {"upsert": "true"} if upsert else {})
    typer.echo(f"Cluster '{cluster}' added")


@clusters.command("list")
def list_clusters(
    out: Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """List clusters."""
    with session(server, auth_token) as client:
        found = output.without_credentials(items(client.get("/api/v1/clusters")))
    if out in (Format.JSON, Format.YAML):
        output.show_document(found, out.value)
    elif out is Format.NAME:
        sys.stdout.write("".join(text(c, "server") + "\n" for c in found))
    else:
        rows = [
            [
                text(c, "server"),
                text(c, "name"),
                _state(c, "status") or "Unknown",
                " ".join(_state(c, "message").split()),
                text(c, "project"),
            ]
            for c in found
        ]
        headers = ["SERVER", "NAME", "STATUS", "MESSAGE", "PROJECT"]
        sys.stdout.write(output.table(headers, rows))


@clusters.command("rm")
def remove(
    cluster: ClusterServer, server: ServerFlag = None, auth_token: AuthTokenFlag = None
) -> None:
    """Remove a cluster."""
    with session(server, auth_token) as client:
        client.delete(f"/api/v1/clusters/{quoted(cluster)}")
    typer.echo(f"Cluster '{cluster}' removed")


def _state(cluster: object, key: str) -> str:
    """Argo CD puts the connection state at ``connectionState`` or ``info.connectionState``."""
    return text(cluster, "connectionState", key) or text(cluster, "info", "connectionState", key)


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read the file: {error.strerror}",
            where=Location(file=str(path)),
            hint=f"Give {option} a readable file",
        ) from error
