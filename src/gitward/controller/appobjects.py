"""Applications and AppProjects as a parent app sees them: objects made from the store.

In gitward an app-of-apps' child Applications and AppProjects live in the store, not in a
cluster. Where a parent compares, syncs or judges them it needs them as Kubernetes objects, with
the ``status`` Argo CD would show (sync status and revision, health, conditions, the latest
operation, when it was reconciled); this module makes those objects, and judges a child's health
as its parent should see it. It must not write to the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gitward import health
from gitward.controller.conditions import SYNC_WINDOW_BLOCKED
from gitward.health import Health, HealthStatus
from gitward.model import annotations as argocd
from gitward.model.objects import Manifest, ResourceKey
from gitward.store import AppRecord, OperationRecord, ProjectRecord

__all__ = [
    "DEFAULT_APP_NAMESPACE",
    "application_object",
    "child_health",
    "child_state",
    "is_app_key",
    "is_automated",
    "is_project_key",
    "project_object",
    "store_key",
]

DEFAULT_APP_NAMESPACE = "argocd"
"""Where Application objects live when their document names no namespace (Argo CD's)."""


def is_app_key(key: ResourceKey) -> bool:
    return (key.group, key.kind) == (argocd.APP_GROUP, argocd.APP_KIND)


def is_project_key(key: ResourceKey) -> bool:
    return (key.group, key.kind) == (argocd.APP_GROUP, argocd.PROJECT_KIND)


def store_key(kind: str, document: Mapping[str, Any]) -> ResourceKey:
    """The key of a stored Application or AppProject document."""
    metadata = document.get("metadata") or {}
    namespace = str(metadata.get("namespace") or DEFAULT_APP_NAMESPACE)
    return ResourceKey(argocd.APP_GROUP, kind, namespace, str(metadata.get("name") or ""))


def application_object(record: AppRecord, operation: OperationRecord | None = None) -> Manifest:
    """The Application as Argo CD would serve it: its document and the controller's status.

    ``operation`` is the app's latest; a finished one is shown only when it synced the
    revisions the status is for (an older failure says nothing about the current revision).
    """
    document = dict(record.document)
    status: dict[str, Any] = {"sync": _sync(record, document)}
    if record.status.reconciled_at is not None:
        status["health"] = {
            "status": record.status.health_status,
            "message": record.status.health_message,
        }
        status["reconciledAt"] = _time(record.status.reconciled_at)
    if record.status.conditions:
        status["conditions"] = [dict(c) for c in record.status.conditions]
    shown = _operation_state(
        operation, record.status.observed_revisions, multi_source=_multi_source(document)
    )
    if shown:
        status["operationState"] = shown
    return {
        **document,
        "apiVersion": str(document.get("apiVersion") or argocd.APP_API_VERSION),
        "kind": argocd.APP_KIND,
        "metadata": _metadata(document, record.name, record.created_at, record.version),
        "status": status,
    }


def project_object(record: ProjectRecord) -> Manifest:
    """The AppProject as Argo CD would serve it."""
    document = dict(record.document)
    return {
        **document,
        "apiVersion": str(document.get("apiVersion") or argocd.APP_API_VERSION),
        "kind": argocd.PROJECT_KIND,
        "metadata": _metadata(document, record.name, record.created_at, record.version),
    }


def is_automated(obj: Manifest) -> bool:
    """Whether an Application object's sync policy is automated (and not disabled)."""
    policy = _mapping(_mapping(obj.get("spec")).get("syncPolicy"))
    automated = policy.get("automated")
    return isinstance(automated, dict) and automated.get("enabled", True) is not False


def child_health(
    obj: Manifest,
    *,
    expected_revision: str | tuple[str, ...] | None = None,
    applied_at: datetime | None = None,
) -> Health:
    """A child Application's health as its parent sees it.

    An automated child is judged fresh and at ``expected_revision`` (see
    :mod:`gitward.health.applications`). A manual child is never synced by anyone but a person,
    so waiting for it to be deployed would wait forever: once it has been reconciled after
    ``applied_at``, a child with nothing deployed yet counts as Healthy, with a message saying
    it waits for a sync request. An automated child that a sync window holds is judged like a
    manual one until the window lets it sync (a freeze of prod must not fail the root's sync;
    Argo CD's parent does not wait for a child to be synced either).
    """
    held = _held_by_window(obj)
    if is_automated(obj) and not held:
        return health.assess(obj, expected_revision=expected_revision, applied_at=applied_at)
    judged = health.assess(obj, applied_at=applied_at)
    if judged.status is HealthStatus.PROGRESSING and not _fresh(obj, applied_at):
        return judged
    status = obj.get("status") or {}
    reported = (status.get("health") or {}).get("status")
    if reported == HealthStatus.MISSING.value:
        sync = (status.get("sync") or {}).get("status") or "Unknown"
        waiting = "held by a sync window" if held else "manual sync policy"
        wanted = "the window" if held else "a sync request"
        return Health(HealthStatus.HEALTHY, f"{waiting}: {sync}, waiting for {wanted}")
    return health.assess(obj)


def child_state(obj: Manifest, manifest_status: str, judged: Health) -> dict[str, Any]:
    """How a parent's resource list shows a child app: its own sync status, and the worse of
    its own health and the parent's verdict ``judged``. The parent's verdict alone hides a
    child's state (a manual child that waits for a person counts as Healthy for the parent's
    waves, its manifest matching Git as Synced); the child's own health alone hides what the
    parent saw (a failed sync, an error condition: Degraded).

    A child whose Application manifest itself differs from Git keeps that status
    (OutOfSync, Missing): the parent has a change to apply first."""
    status = _mapping(obj.get("status"))
    reported = _mapping(status.get("health"))
    own = Health(
        HealthStatus.parse(reported.get("status")) or HealthStatus.UNKNOWN,
        str(reported.get("message") or ""),
    )
    shown_health = own if own.status >= judged.status else judged
    shown: dict[str, Any] = {
        "health": {"status": shown_health.status.value, "message": shown_health.message}
    }
    if manifest_status == "Synced":
        shown["status"] = str(_mapping(status.get("sync")).get("status") or "Unknown")
    return shown


def _held_by_window(obj: Manifest) -> bool:
    conditions = (obj.get("status") or {}).get("conditions")
    return isinstance(conditions, list) and any(
        isinstance(c, Mapping) and c.get("type") == SYNC_WINDOW_BLOCKED for c in conditions
    )


def _fresh(obj: Manifest, applied_at: datetime | None) -> bool:
    stamp = str((obj.get("status") or {}).get("reconciledAt") or "")
    if not stamp:
        return False
    if applied_at is None:
        return True
    try:
        return datetime.fromisoformat(stamp) >= applied_at
    except ValueError:
        return False


def _sync(record: AppRecord, document: Mapping[str, Any]) -> dict[str, Any]:
    sync: dict[str, Any] = {"status": record.status.sync_status}
    revisions = list(record.status.observed_revisions)
    if _multi_source(document):
        sync["revisions"] = revisions
    elif revisions:
        sync["revision"] = revisions[0]
    return sync


def _multi_source(document: Mapping[str, Any]) -> bool:
    """Whether the Application has ``spec.sources`` (a non-empty list), as Argo CD decides."""
    sources = _mapping(document.get("spec")).get("sources")
    return isinstance(sources, list) and bool(sources)


def _operation_state(
    operation: OperationRecord | None, revisions: tuple[str, ...], *, multi_source: bool
) -> dict[str, Any] | None:
    if operation is None:
        return None
    synced = _operation_revisions(operation)
    if operation.phase.completed and synced != revisions:
        return None
    state: dict[str, Any] = {
        "phase": operation.phase.value,
        "message": operation.message,
        "startedAt": _time(operation.created_at),
        "syncResult": (
            {"revisions": list(synced)}
            if multi_source
            else {"revision": synced[0] if synced else ""}
        ),
    }
    if operation.finished_at is not None:
        state["finishedAt"] = _time(operation.finished_at)
    return state


def _operation_revisions(operation: OperationRecord) -> tuple[str, ...]:
    found = operation.request.get("revisions")
    if isinstance(found, list):
        return tuple(str(item) for item in found)
    single = operation.request.get("revision")
    return (str(single),) if single else ()


def _metadata(
    document: Mapping[str, Any], name: str, created: datetime, version: int
) -> dict[str, Any]:
    metadata = dict(document.get("metadata") or {})
    metadata.update(
        name=name,
        namespace=str(metadata.get("namespace") or DEFAULT_APP_NAMESPACE),
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"gitward:{name}:{created.isoformat()}")),
        resourceVersion=str(version),
        creationTimestamp=_time(created),
    )
    return metadata


def _time(value: datetime) -> str:
    return value.isoformat()


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
