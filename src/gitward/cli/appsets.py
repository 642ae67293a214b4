"""``gitward appset ...``: the ApplicationSets parent apps declare, as ``argocd appset``.

``list`` shows each set with the app that declares it, its conditions and how many apps it
generated; ``get`` shows one set's conditions and generated apps with their sync and health.
Output ``-o json|yaml`` is the server's ApplicationSet document. A set changes in Git, in its
parent app's manifests: there is no ``create`` or ``delete`` yet.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from gitward.cli import output
from gitward.cli.app_requests import items
from gitward.cli.app_views import dig, text
from gitward.cli.client import quoted
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.cli.output import Format

__all__ = ["appsets"]

appsets = typer.Typer(name="appset", help="Show ApplicationSets.", no_args_is_help=True)

SetName = Annotated[str, typer.Argument(help="The ApplicationSet's name.", show_default=False)]
OutputFlag = Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")]


@appsets.command("list")
def list_appsets(
    out: OutputFlag = None, server: ServerFlag = None, auth_token: AuthTokenFlag = None
) -> None:
    """List ApplicationSets."""
    with session(server, auth_token) as client:
        found = items(client.get("/api/v1/applicationsets"))
    if out in (Format.JSON, Format.YAML):
        output.show_document(output.without_credentials(found), out.value)
    elif out is Format.NAME:
        sys.stdout.write("".join(text(s, "metadata", "name") + "\n" for s in found))
    else:
        headers = ["NAME", "PROJECT", "DECLARED BY", "APPLICATIONS", "CONDITIONS"]
        rows = [
            [
                text(s, "metadata", "name"),
                text(s, "spec", "template", "spec", "project"),
                text(s, "status", "declaredBy", "app"),
                str(len(_list(dig(s, "status", "resources")))),
                _conditions(s),
            ]
            for s in found
        ]
        sys.stdout.write(output.table(headers, rows))


@appsets.command("get")
def get_appset(
    name: SetName,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Show an ApplicationSet: where it is declared, its conditions and its applications."""
    with session(server, auth_token) as client:
        found = client.get(f"/api/v1/applicationsets/{quoted(name)}")
    if out in (Format.JSON, Format.YAML):
        output.show_document(output.without_credentials(found), out.value)
        return
    pairs = [
        ("Name", text(found, "metadata", "name")),
        ("Project", text(found, "spec", "template", "spec", "project")),
        ("Declared By", text(found, "status", "declaredBy", "app")),
        ("File", text(found, "status", "declaredBy", "file")),
        ("Go Template", "true" if dig(found, "spec", "goTemplate") is True else "false"),
        ("Applications Sync", _applications_sync(found)),
    ]
    sys.stdout.write(output.fields(pairs))
    sys.stdout.write("\nCONDITION\n")
    rows = [
        [text(c, "type"), text(c, "status"), text(c, "message")]
        for c in _list(dig(found, "status", "conditions"))
    ]
    sys.stdout.write(output.table(["TYPE", "STATUS", "MESSAGE"], rows))
    sys.stdout.write("\n")
    apps = [
        [text(r, "name"), text(r, "status"), text(r, "health", "status")]
        for r in _list(dig(found, "status", "resources"))
    ]
    sys.stdout.write(output.table(["APPLICATION", "SYNC", "HEALTH"], apps))
    for warning in _list(dig(found, "status", "warnings")):
        sys.stdout.write(f"warning {warning}\n")


def _applications_sync(found: Any) -> str:
    return text(found, "spec", "syncPolicy", "applicationsSync") or "sync"


def _conditions(found: Any) -> str:
    """The conditions that hold: ``ParametersGenerated,ResourcesUpToDate`` or ``ErrorOccurred``."""
    held = [
        text(c, "type")
        for c in _list(dig(found, "status", "conditions"))
        if text(c, "status") == "True"
    ]
    return ",".join(held) or "-"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
