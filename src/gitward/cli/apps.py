"""``gitward app ...``: Argo CD's ``argocd app`` commands against a gitward server.

Reading and editing applications lives here (list, get, diff, history, manifests, create,
delete, set, terminate-op); commands that start or await operations (sync, rollback, wait) live
in :mod:`gitward.cli.app_operations`. Every command is one request or two through
:func:`gitward.cli.connecting.session`, then text from :mod:`gitward.cli.app_views`.

JSON and YAML output are the server's Argo CD-shaped documents unchanged, so scripts written
for ``argocd app get -o json`` keep working.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
import yaml

from gitward.cli import app_operations, app_settings, app_views, output
from gitward.cli.app_diffs import resource_diffs
from gitward.cli.app_requests import app_path, fetch_app, items
from gitward.cli.client import ApiError
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.cli.documents import read_documents
from gitward.cli.output import Format
from gitward.redaction import MASK

__all__ = ["apps"]

EXIT_DIFFERS = 1
EXIT_DIFF_ERROR = 2

apps = typer.Typer(name="app", help="Manage applications.", no_args_is_help=True)
apps.command("sync")(app_operations.sync)
apps.command("rollback")(app_operations.rollback)
apps.command("wait")(app_operations.wait)
apps.command("set")(app_settings.set_app)

AppName = Annotated[str, typer.Argument(help="The application's name.", show_default=False)]
OutputFlag = Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")]
RefreshFlag = Annotated[
    bool, typer.Option("--refresh", help="Resolve the branch and compare with Git again first.")
]
HardRefreshFlag = Annotated[
    bool,
    typer.Option(
        "--hard-refresh", help="As --refresh (renders are kept by commit: nothing to drop)."
    ),
]


@apps.command("list")
def list_apps(
    project: Annotated[
        str | None, typer.Option("-p", "--project", help="Only this project.")
    ] = None,
    selector: Annotated[
        str | None, typer.Option("-l", "--selector", help="Only apps with these labels.")
    ] = None,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """List applications."""
    params = {key: value for key, value in (("project", project), ("selector", selector)) if value}
    with session(server, auth_token) as client:
        found = items(client.get("/api/v1/applications", params))
    if out in (Format.JSON, Format.YAML):
        output.show_document(found, out.value)
    elif out is Format.NAME:
        sys.stdout.write("".join(app_views.text(a, "metadata", "name") + "\n" for a in found))
    else:
        sys.stdout.write(app_views.app_list(found, wide=out is Format.WIDE))


@apps.command("get")
def get_app(
    name: AppName,
    out: OutputFlag = None,
    refresh: RefreshFlag = False,
    hard_refresh: HardRefreshFlag = False,
    show_operation: Annotated[
        bool, typer.Option("--show-operation", help="Show the last operation too.")
    ] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Show an application: its source, destination, status and resources."""
    with session(server, auth_token) as client:
        app = fetch_app(client, name, _refresh_mode(refresh, hard_refresh))
    if out in (Format.JSON, Format.YAML):
        output.show_document(app, out.value)
    elif out is Format.NAME:
        sys.stdout.write(name + "\n")
    else:
        shown = show_operation or out is Format.WIDE
        sys.stdout.write(app_views.app_summary(app, show_operation=shown))


@apps.command("diff")
def diff_app(
    name: AppName,
    refresh: RefreshFlag = False,
    hard_refresh: HardRefreshFlag = False,
    revision: Annotated[
        str | None,
        typer.Option(help="Compare the live state with this branch, tag or commit instead."),
    ] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Show how the live state differs from Git. Exit 0: no difference, 1: differs, 2: error."""
    with session(server, auth_token, error_exit=EXIT_DIFF_ERROR) as client:
        mode = _refresh_mode(refresh, hard_refresh)
        if mode:
            fetch_app(client, name, mode)
        params = {"revision": revision} if revision else None
        answer = client.get(app_path(name, "managed-resources"), params)
    differing = [diff for diff in resource_diffs(items(answer)) if diff.differs]
    for diff in differing:
        sys.stdout.write(f"\n{diff.header}\n{diff.body}")
    if differing:
        raise typer.Exit(EXIT_DIFFERS)


@apps.command("history")
def history(
    name: AppName,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Show the deployments of an application, oldest first."""
    with session(server, auth_token) as client:
        app = fetch_app(client, name)
    if out in (Format.JSON, Format.YAML):
        output.show_document(app_views.dig(app, "status", "history") or [], out.value)
    else:
        sys.stdout.write(app_views.history_table(app))


@apps.command("manifests")
def manifests(
    name: AppName,
    revision: Annotated[
        str | None, typer.Option(help="Render this revision instead of the target.")
    ] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Print the manifests an application deploys, as a YAML stream (Secret values masked)."""
    params = {"revision": revision} if revision else {}
    with session(server, auth_token) as client:
        answer = client.get(app_path(name, "manifests"), params)
        objects = [_parsed(text) for text in app_views.dig(answer, "manifests") or []]
    sys.stdout.write(yaml.safe_dump_all([_masked_secret(obj) for obj in objects], sort_keys=False))


@apps.command("create")
def create(
    file: Annotated[
        str, typer.Option("-f", "--file", help="A file of Application documents, - for stdin.")
    ],
    upsert: Annotated[bool, typer.Option(help="Replace an app that exists already.")] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Create applications from a file."""
    with session(server, auth_token) as client:
        documents = read_documents(file, "Application")
        params = {"upsert": "true"} if upsert else {}
        for document in documents:
            created = client.post("/api/v1/applications", document, params)
            typer.echo(f"application '{app_views.text(created, 'metadata', 'name')}' created")


@apps.command("delete")
def delete(
    name: AppName,
    cascade: Annotated[
        bool, typer.Option(help="Delete the app's resources from the cluster too.")
    ] = True,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Do not ask for confirmation.")] = False,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Delete an application (and, with --cascade, the default, its resources)."""
    what = f"'{name}' and all its resources" if cascade else f"'{name}'"
    if not yes and not typer.confirm(f"Are you sure you want to delete {what}?"):
        typer.echo(f"The command to delete '{name}' was cancelled.")
        return
    with session(server, auth_token) as client:
        client.delete(app_path(name), {"cascade": str(cascade).lower()})
    typer.echo(f"application '{name}' deleted")


@apps.command("terminate-op")
def terminate_op(
    name: AppName, server: ServerFlag = None, auth_token: AuthTokenFlag = None
) -> None:
    """Stop the operation an application is running."""
    with session(server, auth_token) as client:
        client.delete(app_path(name, "operation"))
    typer.echo(f"Application '{name}' operation terminating")


def _refresh_mode(refresh: bool, hard: bool) -> str:
    return "hard" if hard else "normal" if refresh else ""


def _parsed(manifest: object) -> Any:
    if not isinstance(manifest, str):
        return manifest
    try:
        return yaml.safe_load(manifest)
    except yaml.YAMLError as error:
        raise ApiError(
            "the server sent a manifest that is neither JSON nor YAML", code="bad_answer"
        ) from error


def _masked_secret(obj: Any) -> Any:
    if not isinstance(obj, dict) or obj.get("kind") != "Secret":
        return obj
    masked = dict(obj)
    for section in ("data", "stringData"):
        values = obj.get(section)
        if isinstance(values, dict):
            masked[section] = dict.fromkeys(values, MASK)
    return masked
