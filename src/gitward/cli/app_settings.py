"""``gitward app set``: change a few fields of an application's spec, as ``argocd app set``.

Read, modify, write back: ``GET`` the app, change the fields asked for, ``PUT`` its metadata and
spec. The server refuses the write if the app changed in between (a conflict), so nothing is
lost silently. The edits themselves are pure functions of the spec.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Annotated, Any

import typer

from gitward.cli.app_requests import app_path, fetch_app
from gitward.cli.client import ApiClient, ApiError
from gitward.cli.connecting import AuthTokenFlag, ServerFlag, session
from gitward.errors import UsageError

__all__ = ["Edits", "SyncPolicy", "edited_spec", "put_edited", "set_app"]

_ATTEMPTS = 5
"""Tries of a read-edit-write that the controller's status writes keep overtaking."""


class SyncPolicy(StrEnum):
    AUTOMATED = "automated"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Edits:
    """The changes asked for; ``None`` leaves a field as it is."""

    revision: str | None = None
    path: str | None = None
    dest_namespace: str | None = None
    sync_policy: SyncPolicy | None = None
    self_heal: bool | None = None
    auto_prune: bool | None = None

    def empty(self) -> bool:
        """Whether nothing would change."""
        return all(getattr(self, field.name) is None for field in fields(self))


def set_app(
    name: Annotated[str, typer.Argument(help="The application's name.", show_default=False)],
    revision: Annotated[str | None, typer.Option(help="Target revision of the source.")] = None,
    path: Annotated[str | None, typer.Option(help="Path of the source in the repository.")] = None,
    dest_namespace: Annotated[str | None, typer.Option(help="Namespace to deploy into.")] = None,
    sync_policy: Annotated[
        SyncPolicy | None, typer.Option(help="Sync automatically, or only when asked.")
    ] = None,
    self_heal: Annotated[
        bool | None, typer.Option("--self-heal/--no-self-heal", help="Undo drift automatically.")
    ] = None,
    auto_prune: Annotated[
        bool | None,
        typer.Option("--auto-prune/--no-auto-prune", help="Delete resources gone from Git."),
    ] = None,
    server: ServerFlag = None,
    auth_token: AuthTokenFlag = None,
) -> None:
    """Change an application's source revision, path, namespace or sync policy."""
    edits = Edits(revision, path, dest_namespace, sync_policy, self_heal, auto_prune)
    with session(server, auth_token) as client:
        if edits.empty():
            raise UsageError(
                "nothing to set",
                hint="Give --revision, --path, --dest-namespace, --sync-policy, --self-heal "
                "or --auto-prune",
            )
        put_edited(client, name, edits)
    typer.echo(f"application '{name}' updated")


def put_edited(client: ApiClient, name: str, edits: Edits) -> None:
    """Read the app, edit its spec and write it back at the version read. The controller's
    status writes move the version too, so a conflict is read again and retried (as Argo CD's
    ``UpdateSpec`` does); a person's concurrent edit is then kept and the edits applied on it."""
    for attempt in range(1, _ATTEMPTS + 1):
        app = fetch_app(client, name)
        document = {key: app[key] for key in ("apiVersion", "kind", "metadata") if key in app}
        document["spec"] = edited_spec(name, app.get("spec") or {}, edits)
        try:
            client.put(app_path(name), document)
            return
        except ApiError as error:
            if error.status != 409 or attempt == _ATTEMPTS:
                raise


def edited_spec(name: str, spec: dict[str, Any], edits: Edits) -> dict[str, Any]:
    """A copy of ``spec`` with ``edits`` applied; refuses edits the spec cannot take."""
    spec = copy.deepcopy(spec)
    if edits.revision is not None or edits.path is not None:
        source = _single_source(name, spec)
        if edits.revision is not None:
            source["targetRevision"] = edits.revision
        if edits.path is not None:
            source["path"] = edits.path
    if edits.dest_namespace is not None:
        spec.setdefault("destination", {})["namespace"] = edits.dest_namespace
    policy = spec.setdefault("syncPolicy", {})
    if edits.sync_policy is SyncPolicy.NONE:
        policy.pop("automated", None)
    elif edits.sync_policy is SyncPolicy.AUTOMATED:
        policy["automated"] = policy.get("automated") or {}
    for flag, value in (("selfHeal", edits.self_heal), ("prune", edits.auto_prune)):
        if value is None:
            continue
        if not isinstance(policy.get("automated"), dict):
            option = "--self-heal" if flag == "selfHeal" else "--auto-prune"
            raise UsageError(
                f"cannot set {option}: app {name!r} does not sync automatically",
                hint="Add --sync-policy automated",
            )
        policy["automated"][flag] = value
    if not policy:
        spec.pop("syncPolicy")
    return spec


def _single_source(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("sources"):
        raise UsageError(
            f"app {name!r} has several sources; --revision and --path change single-source apps",
            hint="Edit spec.sources in its Application file and apply it with app create --upsert",
        )
    source = spec.get("source")
    if not isinstance(source, dict):
        raise UsageError(f"app {name!r} has no source to change")
    return source
