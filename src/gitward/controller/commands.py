"""What the controller's commands ask for: sync, automated sync and rollback requests, and
root apps read for bootstrapping.

Each function checks what it is given (the app exists, the revision resolves, a rollback is
allowed, the history entry exists, the root file holds Applications) and returns the value to
persist; refusals are gitward errors naming the app and field with a hint. Nothing here starts
an operation or writes an app's status.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from gitward.controller.appofapps import is_argo_object
from gitward.controller.deciding import Sync
from gitward.controller.desired import GitSide
from gitward.controller.operating import target_app
from gitward.controller.refreshing import Refreshed
from gitward.controller.requests import OperationRequest, fingerprint
from gitward.errors import ConfigError, Location, UsageError
from gitward.git import normalize_repo_url
from gitward.model import annotations as argocd
from gitward.model.application import Application, parse_application
from gitward.model.project import parse_project
from gitward.render import manifests
from gitward.settings import ControllerSettings
from gitward.store import (
    AppDefinition,
    AppRecord,
    ProjectDefinition,
    RecordNotFoundError,
    Store,
)
from gitward.sync import SyncRequest
from gitward.sync.request import DEFAULT_WAVE_TIMEOUT_S

__all__ = [
    "automated_request",
    "bootstrap",
    "cascades",
    "existing",
    "manual_request",
    "read_root",
    "repositories_of",
    "rollback_request",
]


def automated_request(
    refreshed: Refreshed, decision: Sync, settings: ControllerSettings
) -> OperationRequest:
    """The request of an automated sync the decision asked for."""
    assert refreshed.app is not None
    sync = SyncRequest(
        revision=refreshed.revisions[0] if refreshed.revisions else "",
        prune=decision.prune,
        allow_empty=decision.allow_empty,
        resources=decision.resources,
        retry=decision.retry,
        wave_timeout_s=settings.wave_timeout_s,
    )
    return OperationRequest(
        sync=sync,
        revisions=refreshed.revisions,
        target_revisions=tuple(source.revision for source in refreshed.app.sources),
        fingerprint=refreshed.source,
        automated=True,
        self_heal_attempts=decision.self_heal_attempts,
        reason=decision.reason,
    )


async def existing(store: Store, name: str) -> AppRecord:
    record = await store.apps.get(name)
    if record is None:
        raise RecordNotFoundError(
            "no such application",
            where=Location(obj=f"Application {name}"),
            hint="Check the name (gitward app list), or create the app first",
        )
    return record


async def manual_request(
    record: AppRecord,
    request: SyncRequest | None,
    git: GitSide,
    settings: ControllerSettings,
) -> OperationRequest:
    """A person's sync: at ``request.revision`` (single-source apps; refused for multi-source
    ones, whose revision Argo CD before 2.11 silently ignored), else at what each source's
    targetRevision names now (resolved afresh)."""
    app = parse_application(dict(record.document), file=record.file).value
    request = request or SyncRequest()
    if request.revision and app.multi_source:
        raise ConfigError(
            f"a sync of multi-source application {app.name} cannot name one revision "
            f"({request.revision!r}) for its {len(app.sources)} sources",
            where=Location(file=app.file, obj=f"Application {app.name}", field="revision"),
            hint="Sync without a revision (every source at its targetRevision), or change "
            "the targetRevision of the source in Git",
        )
    if request.revision:
        where = Location(file=app.file, obj=f"Application {app.name}", field="spec.source")
        source = dataclasses.replace(app.source, target_revision=request.revision)
        revisions: tuple[str, ...] = (await git.resolve_source(source, where, hard=True),)
        targets: tuple[str, ...] = (request.revision,)
    else:
        revisions = await git.resolve(app, hard=True)
        targets = tuple(source.revision for source in app.sources)
    if request.wave_timeout_s == DEFAULT_WAVE_TIMEOUT_S:
        request = replace(request, wave_timeout_s=settings.wave_timeout_s)
    return OperationRequest(
        sync=replace(request, revision=revisions[0]),
        revisions=revisions,
        target_revisions=targets,
        fingerprint=fingerprint(app),
        automated=False,
        reason="sync requested",
    )


async def rollback_request(
    store: Store,
    record: AppRecord,
    history_id: int,
    settings: ControllerSettings,
    *,
    prune: bool = False,
    dry_run: bool = False,
) -> OperationRequest:
    """A rollback to history entry ``history_id``: its sources at its commits. Like Argo CD's,
    it prunes only when asked (``prune``); ``dry_run`` checks it against the cluster and
    changes nothing."""
    app = parse_application(dict(record.document), file=record.file).value
    where = Location(file=app.file, obj=f"Application {app.name}")
    if app.sync_policy.is_automated:
        raise ConfigError(
            "rollback cannot be initiated when auto-sync is enabled",
            where=where.at("spec.syncPolicy.automated"),
            hint="Turn automated sync off for this app first (remove syncPolicy.automated), "
            "or revert the change in Git",
        )
    entry = await store.history.get(app.name, history_id)
    if entry is None:
        raise RecordNotFoundError(
            f"history entry {history_id} does not exist",
            where=where.at("status.history"),
            hint="List the app's history and name one of its ids",
        )
    source: dict[str, Any] = dict(entry.source) if isinstance(entry.source, dict) else {}
    revisions = source.get("revisions")
    if not isinstance(revisions, list) or not revisions:
        revisions = [entry.commit_sha]
    sources = {k: v for k, v in source.items() if k in ("source", "sources")} or None
    chosen = OperationRequest(
        sync=SyncRequest(
            revision=str(revisions[0]),
            prune=prune,
            dry_run=dry_run,
            wave_timeout_s=settings.wave_timeout_s,
        ),
        revisions=tuple(str(r) for r in revisions),
        target_revisions=(entry.revision,),
        sources=sources,
        kind="rollback",
        reason=f"rollback to history entry {history_id} ({entry.commit_sha[:12]})",
    )
    return replace(chosen, fingerprint=fingerprint(target_app(record, chosen)))


def repositories_of(record: AppRecord) -> set[str]:
    """The normalised repository URLs an app's sources read."""
    spec = record.document.get("spec")
    if not isinstance(spec, dict):
        return set()
    found = [spec.get("source"), *(spec.get("sources") or [])]
    return {
        normalize_repo_url(str(item.get("repoURL") or ""))
        for item in found
        if isinstance(item, dict) and item.get("repoURL")
    }


def cascades(record: AppRecord, app: Application | None) -> bool:
    """Whether deleting the app deletes its resources (Argo CD's resources finalizer)."""
    if app is not None:
        return app.deletes_resources
    metadata = record.document.get("metadata")
    finalizers = metadata.get("finalizers") if isinstance(metadata, dict) else None
    return any(str(item).startswith(argocd.RESOURCES_FINALIZER) for item in (finalizers or []))


async def bootstrap(store: Store, root: Path | Mapping[str, Any]) -> list[str]:
    """Store the Applications (as root apps) and AppProjects of ``root``; all or nothing."""
    if isinstance(root, Path):
        apps, projects = await asyncio.to_thread(read_root, root)
    else:
        apps, projects = _declared([dict(root)], None, "the root Application")
    for definition in projects:
        await store.projects.upsert(definition)
    await store.apps.upsert_many(apps)
    return [app.name for app in apps]


def read_root(path: Path) -> tuple[list[AppDefinition], list[ProjectDefinition]]:
    """The Applications and AppProjects of a root file; fails unless it holds an app."""
    shown = str(path)
    if not path.is_file():
        raise UsageError(f"{shown}: no such file", hint="Name a file holding the root app")
    return _declared(manifests.load_file(path, shown_as=shown), shown, shown)


def _declared(
    documents: list[dict[str, Any]], file: str | None, shown: str
) -> tuple[list[AppDefinition], list[ProjectDefinition]]:
    apps = []
    projects = []
    for document in documents:
        if not is_argo_object(document):
            continue
        if document.get("kind") == argocd.APP_KIND:
            app = parse_application(document, file=file).value
            apps.append(AppDefinition.of(app, document))
        else:
            project = parse_project(document, file=file).value
            projects.append(ProjectDefinition(project.name, document, file))
    if not apps:
        raise UsageError(
            f"{shown}: no Application found",
            hint="Name a file with an argoproj.io/v1alpha1 Application (the root app)",
        )
    return apps, projects
