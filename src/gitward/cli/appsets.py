"""``gitward appset ...``: the ApplicationSets parent apps declare, as ``argocd appset``.

``list`` shows each set with the app that declares it, its conditions and how many apps it
generated; ``get`` shows one set's conditions and generated apps with their sync and health;
``create -f FILE`` stores each set in the file and shows the Applications it generated
(``--dry-run``: would generate, nothing written; ``--upsert``: replace a set that differs), as
``argocd appset create``; ``delete NAME`` removes a set created so and the apps it generated.
Output ``-o json|yaml`` is the server's ApplicationSet document. A set a parent app declares
changes in Git, in the parent's manifests.
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
from gitward.cli.documents import read_documents
from gitward.cli.output import Format

__all__ = ["appsets"]

appsets = typer.Typer(name="appset", help="Manage ApplicationSets.", no_args_is_help=True)

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


@appsets.command("create")
def create_appset(
    file: Annotated[
        str, typer.Option("-f", "--file", help="A file of ApplicationSet documents, - for stdin.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the Applications it would generate.")
    ] = False,
    upsert: Annotated[bool, typer.Option(help="Replace a set that exists already.")] = False,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Create ApplicationSets from a file (--dry-run: show what they would generate)."""
    params = {key: "true" for key, on in (("dryRun", dry_run), ("upsert", upsert)) if on}
    with session(server, auth_token) as client:
        answers = [
            client.post("/api/v1/applicationsets", document, params)
            for document in read_documents(file, "ApplicationSet")
        ]
    if out in (Format.JSON, Format.YAML):
        shown = answers[0] if len(answers) == 1 else answers
        output.show_document(output.without_credentials(shown), out.value)
        return
    for found in answers:
        name = text(found, "metadata", "name")
        rows = [
            [text(r, "name"), text(r, "namespace")]
            for r in _list(dig(found, "status", "resources"))
        ]
        done = "would generate" if dry_run else "created, generating"
        sys.stdout.write(f"ApplicationSet '{name}' {done} {len(rows)} application(s)\n")
        sys.stdout.write(output.table(["APPLICATION", "NAMESPACE"], rows))


@appsets.command("delete")
def delete_appset(
    name: SetName,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation.")] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Delete an ApplicationSet created with ``appset create``, and the apps it generated."""
    question = f"Are you sure you want to delete '{name}' and the applications it generated?"
    if not yes and not typer.confirm(question):
        typer.echo(f"The command to delete '{name}' was cancelled.")
        return
    with session(server, auth_token) as client:
        client.delete(f"/api/v1/applicationsets/{quoted(name)}")
    typer.echo(f"applicationset '{name}' deleted")


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
