"""``gitward app sync``, ``app rollback`` and ``app wait``: start operations and await them.

As ``argocd app sync``: the command asks for the operation, then (unless ``--async``) follows it
until it ends, showing progress on stderr, and prints the result; exit 1 when the operation
failed or the wait timed out. ``--resource`` takes Argo CD's ``GROUP:KIND:[NAMESPACE/]NAME``
patterns (``*`` globs, ``!`` excludes), matched against the app's resources here, as the argocd
CLI does, so the server receives exact resources.
"""

from __future__ import annotations

import sys
from fnmatch import fnmatchcase
from typing import Annotated, Any

import typer

from gitward.cli import app_views, output
from gitward.cli.app_requests import app_path, fetch_app
from gitward.cli.client import ApiClient
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.cli.failing import EXIT_USAGE, abort
from gitward.cli.output import Format
from gitward.cli.progress import Progress
from gitward.cli.waiting import Goal, commit_id, wait_for
from gitward.errors import UsageError

__all__ = ["ResourcePattern", "parse_resource", "rollback", "select_resources", "sync", "wait"]

AppName = Annotated[str, typer.Argument(help="The application's name.", show_default=False)]
OutputFlag = Annotated[Format | None, typer.Option("-o", "--output", help="Output format.")]
AsyncFlag = Annotated[
    bool, typer.Option("--async", help="Do not wait for the operation to finish.")
]
TimeoutFlag = Annotated[
    float, typer.Option(help="Give up waiting after this many seconds (0: never).", min=0)
]
PruneFlag = Annotated[
    bool, typer.Option("--prune", help="Delete resources that are gone from Git.")
]
DryRunFlag = Annotated[
    bool, typer.Option("--dry-run", help="Preview the operation; change nothing.")
]


def sync(
    name: AppName,
    revision: Annotated[str | None, typer.Option(help="Sync to this revision.")] = None,
    prune: PruneFlag = False,
    dry_run: DryRunFlag = False,
    resource: Annotated[
        list[str] | None,
        typer.Option(
            metavar="GROUP:KIND:NAME",
            help="Sync only these resources ([NAMESPACE/]NAME, * globs, ! excludes; repeatable).",
        ),
    ] = None,
    sync_option: Annotated[
        list[str] | None,
        typer.Option(help="A sync option such as CreateNamespace=true (repeatable)."),
    ] = None,
    run_async: AsyncFlag = False,
    timeout: TimeoutFlag = 0,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Sync an application to its target state."""
    with session(server, auth_token) as client:
        patterns = [parse_resource(text) for text in resource or []]
        before = fetch_app(client, name)
        body: dict[str, Any] = {"revision": revision or "", "prune": prune, "dryRun": dry_run}
        if patterns:
            body["resources"] = select_resources(name, before, patterns)
        if sync_option:
            body["syncOptions"] = {"items": list(sync_option)}
        client.post(app_path(name, "sync"), body)
        _follow(client, name, before, run_async, timeout, out, "Sync")


def rollback(
    name: AppName,
    history_id: Annotated[
        int | None,
        typer.Argument(help="History ID to roll back to (default: the previous deployment)."),
    ] = None,
    prune: PruneFlag = False,
    dry_run: DryRunFlag = False,
    run_async: AsyncFlag = False,
    timeout: TimeoutFlag = 0,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Roll an application back to an earlier deployment of its history."""
    with session(server, auth_token) as client:
        before = fetch_app(client, name)
        chosen = _history_id(name, before, history_id)
        body = {"id": chosen, "prune": prune, "dryRun": dry_run}
        client.post(app_path(name, "rollback"), body)
        _follow(client, name, before, run_async, timeout, out, "Rollback")


def wait(
    name: AppName,
    sync_wanted: Annotated[bool, typer.Option("--sync", help="Wait until synced.")] = False,
    health: Annotated[bool, typer.Option("--health", help="Wait until healthy.")] = False,
    operation: Annotated[
        bool, typer.Option("--operation", help="Wait until no operation runs.")
    ] = False,
    revision: Annotated[
        str | None,
        typer.Option(
            metavar="SHA",
            help="First wait until the app has compared this commit (status.sync.revision).",
        ),
    ] = None,
    timeout: TimeoutFlag = 0,
    out: OutputFlag = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Wait for an application to be synced, healthy and done with its operation.

    With --sync, --health or --operation, wait for only those. With --revision, they count
    only once the app has compared that commit: after a push, `--revision $(git rev-parse
    HEAD)` waits for the push to be seen, not for the state before it.
    """
    everything = not (sync_wanted or health or operation)
    try:
        wanted = commit_id(revision) if revision is not None else ""
    except UsageError as error:
        abort(error.message, EXIT_USAGE)
    goal = Goal(
        sync=sync_wanted or everything,
        health=health or everything,
        operation=operation or everything,
        revision=wanted,
    )
    with session(server, auth_token) as client:
        app = _await(client, name, goal, timeout)
    _show(app, out, operation_view=False)
    if goal.operation_failed(app):
        state = app_views.dig(app, "status", "operationState")
        abort(f"app {name!r}: operation {app_views.text(state, 'phase')}: " + _message(state))


class ResourcePattern:
    """One ``--resource``: fields are globs; ``exclude`` for a leading ``!``."""

    def __init__(self, group: str, kind: str, namespace: str, name: str, exclude: bool) -> None:
        self.group, self.kind, self.namespace, self.name = group, kind, namespace, name
        self.exclude = exclude
        self.text = f"{'!' if exclude else ''}{group}:{kind}:" + (
            f"{namespace}/{name}" if namespace else name
        )

    def matches(self, resource: object) -> bool:
        """Whether ``resource`` (group, kind, namespace, name) fits every field."""
        wanted = (self.group, self.kind, self.name) + ((self.namespace,) if self.namespace else ())
        fields = ("group", "kind", "name", "namespace")[: len(wanted)]
        return all(
            fnmatchcase(app_views.text(resource, field), glob)
            for field, glob in zip(fields, wanted, strict=True)
        )


def parse_resource(text: str) -> ResourcePattern:
    """``[!]GROUP:KIND:[NAMESPACE/]NAME`` (GROUP empty for the core group)."""
    body = text.removeprefix("!")
    parts = body.split(":")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise UsageError(
            f"--resource {text!r} is not GROUP:KIND:NAME",
            hint="Write apps:Deployment:web, :Service:web or apps:Deployment:dev/web",
        )
    group, kind, rest = parts
    namespace, _, name = rest.rpartition("/")
    if not name:
        raise UsageError(f"--resource {text!r} names no resource", hint="End it with a NAME")
    return ResourcePattern(group, kind, namespace, name, exclude=text.startswith("!"))


def select_resources(
    name: str, app: object, patterns: list[ResourcePattern]
) -> list[dict[str, str]]:
    """The app's resources the patterns choose: any include (all, if none) and no exclude."""
    includes = [p for p in patterns if not p.exclude]
    excludes = [p for p in patterns if p.exclude]
    resources = app_views.dig(app, "status", "resources")
    candidates = resources if isinstance(resources, list) else []
    chosen = [
        {key: app_views.text(r, key) for key in ("group", "kind", "namespace", "name")}
        for r in candidates
        if (not includes or any(p.matches(r) for p in includes))
        and not any(p.matches(r) for p in excludes)
    ]
    if not chosen:
        shown = " ".join(f"--resource {p.text}" for p in patterns)
        raise UsageError(
            f"no resource of app {name!r} matches {shown}",
            hint=f"See its resources with gitward app get {name}",
        )
    return chosen


def _follow(
    client: ApiClient,
    name: str,
    before: object,
    run_async: bool,
    timeout: float,
    out: Format | None,
    what: str,
) -> None:
    if run_async:
        typer.echo(f"{what} of app '{name}' requested")
        return
    started = app_views.text(before, "status", "operationState", "startedAt")
    goal = Goal(operation=True, new_operation=True, after_operation=started)
    app = _await(client, name, goal, timeout)
    _show(app, out, operation_view=True)
    state = app_views.dig(app, "status", "operationState")
    phase = app_views.text(state, "phase")
    if phase != "Succeeded":
        abort(f"{what.lower()} of app {name!r} ended {phase}: {_message(state)}")


def _await(client: ApiClient, name: str, goal: Goal, timeout: float) -> Any:
    with Progress() as progress:
        return wait_for(
            client,
            name,
            goal,
            timeout=timeout,
            show=lambda app: progress.show(app_views.progress_line(app)),
        )


def _show(app: object, out: Format | None, *, operation_view: bool) -> None:
    if out in (Format.JSON, Format.YAML):
        output.show_document(app, out.value)
    elif operation_view:
        sys.stdout.write(app_views.operation_summary(app))
    else:
        sys.stdout.write(app_views.app_summary(app))


def _history_id(name: str, app: object, wanted: int | None) -> int:
    entries = app_views.dig(app, "status", "history")
    listed = entries if isinstance(entries, list) else []
    ids: list[int] = sorted(
        e["id"] for e in listed if isinstance(e, dict) and isinstance(e.get("id"), int)
    )
    if wanted is None:
        return _previous_deployment(name, listed)
    if wanted not in ids:
        raise UsageError(
            f"app {name!r} has no deployment with history ID {wanted}",
            hint=f"See the IDs with gitward app history {name}",
        )
    return wanted


def _previous_deployment(name: str, entries: list[Any]) -> int:
    """The deployment before the current one (the newest): syncs that succeeded only, as
    history kept before gitward recorded only those may hold failed ones."""
    deployed: list[int] = sorted(
        e["id"]
        for e in entries
        if isinstance(e, dict)
        and isinstance(e.get("id"), int)
        and e.get("phase", "Succeeded") == "Succeeded"
    )
    if len(deployed) < 2:
        raise UsageError(
            f"app {name!r} has no earlier deployment to roll back to",
            hint=f"See gitward app history {name}",
        )
    return deployed[-2]


def _message(state: object) -> str:
    return " ".join(app_views.text(state, "message").split()) or "no message"
