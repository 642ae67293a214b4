"""``gitward proj ...``: AppProjects on a gitward server, as ``argocd proj``.

``list`` and ``get`` show what a project allows (destinations, source repositories, kinds);
``create -f`` sends AppProject documents from a file; ``delete`` removes one (the server
refuses while apps still use it). Output ``-o json|yaml`` is the server's document.
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

__all__ = ["projects"]

MANY = 3

projects = typer.Typer(name="proj", help="Manage projects.", no_args_is_help=True)

ProjectName = Annotated[str, typer.Argument(help="The project's name.", show_default=False)]
OutputFlag = Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")]


@projects.command("list")
def list_projects(
    out: OutputFlag = None, server: ServerFlag = None, auth_token: AuthTokenFlag = None
) -> None:
    """List projects."""
    with session(server, auth_token) as client:
        found = items(client.get("/api/v1/projects"))
    if out in (Format.JSON, Format.YAML):
        output.show_document(output.without_credentials(found), out.value)
    elif out is Format.NAME:
        sys.stdout.write("".join(text(p, "metadata", "name") + "\n" for p in found))
    else:
        headers = ["NAME", "DESCRIPTION", "DESTINATIONS", "SOURCES"]
        rows = [
            [
                text(p, "metadata", "name"),
                text(p, "spec", "description"),
                _summarised(_destinations(p), "destinations"),
                _summarised(_strings(dig(p, "spec", "sourceRepos")), "repositories"),
            ]
            for p in found
        ]
        sys.stdout.write(output.table(headers, rows))


@projects.command("get")
def get_project(
    name: ProjectName,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Show what a project allows."""
    with session(server, auth_token) as client:
        project = client.get(f"/api/v1/projects/{quoted(name)}")
    if out in (Format.JSON, Format.YAML):
        output.show_document(output.without_credentials(project), out.value)
        return
    pairs = [("Name", text(project, "metadata", "name"))]
    pairs += [("Description", text(project, "spec", "description"))]
    pairs += _listed("Destinations", _destinations(project))
    pairs += _listed("Repositories", _strings(dig(project, "spec", "sourceRepos")))
    pairs += _listed("Allowed Cluster Resources", _kinds(project, "clusterResourceWhitelist"))
    pairs += _listed("Denied Cluster Resources", _kinds(project, "clusterResourceBlacklist"))
    pairs += _listed("Denied Namespaced Resources", _kinds(project, "namespaceResourceBlacklist"))
    roles = [text(role, "name") for role in _mappings(dig(project, "spec", "roles"))]
    pairs += _listed("Roles", roles)
    orphaned = dig(project, "spec", "orphanedResources")
    pairs += [("Orphaned Resources", "enabled" if isinstance(orphaned, dict) else "disabled")]
    sys.stdout.write(output.fields(pairs))


@projects.command("create")
def create(
    file: Annotated[
        str, typer.Option("-f", "--file", help="A file of AppProject documents, - for stdin.")
    ],
    upsert: Annotated[bool, typer.Option(help="Replace a project that exists already.")] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Create projects from a file."""
    with session(server, auth_token) as client:
        documents = read_documents(file, "AppProject")
        params = {"upsert": "true"} if upsert else {}
        for document in documents:
            created = client.post("/api/v1/projects", document, params)
            typer.echo(f"project '{text(created, 'metadata', 'name')}' created")


@projects.command("delete")
def delete(name: ProjectName, server: ServerFlag = None, auth_token: AuthTokenFlag = None) -> None:
    """Delete a project no application uses."""
    with session(server, auth_token) as client:
        client.delete(f"/api/v1/projects/{quoted(name)}")
    typer.echo(f"project '{name}' deleted")


def _destinations(project: object) -> list[str]:
    return [
        f"{text(d, 'server') or text(d, 'name')},{text(d, 'namespace')}"
        for d in _mappings(dig(project, "spec", "destinations"))
    ]


def _kinds(project: object, key: str) -> list[str]:
    return [f"{text(k, 'group')}/{text(k, 'kind')}" for k in _mappings(dig(project, "spec", key))]


def _listed(label: str, values: list[str]) -> list[tuple[str, str]]:
    if not values:
        return [(label, "<none>")]
    return [(label, values[0]), *(("", value) for value in values[1:])]


def _summarised(values: list[str], noun: str) -> str:
    if not values:
        return "<none>"
    return ", ".join(values) if len(values) <= MANY else f"{len(values)} {noun}"


def _mappings(value: object) -> list[Any]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
