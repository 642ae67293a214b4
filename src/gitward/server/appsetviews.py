"""ApplicationSets as the API shows them: Argo CD's ``ApplicationSet`` JSON, built from what a
parent app's last refresh kept of each set it declares (and, for a dry run, from the
Applications a set given through the API would generate).

A set lives in its parent's manifests; the controller keeps, with the parent's status, the set
as written, the apps it generated and its conditions (:mod:`gitward.appsets.status`). This module
finds them, adds ``RolloutProgressing`` from the generated apps' stored statuses, and shapes the
JSON: ``spec`` as written (repoURL credentials masked), ``status.conditions``,
``status.resources`` (one entry per generated Application with its sync and health), and
gitward's ``status.declaredBy`` (parent app and file) and ``status.warnings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gitward.appsets.status import rollout_condition
from gitward.controller.refreshing import APPLICATION_SETS
from gitward.model.objects import Manifest
from gitward.redaction import redact_url
from gitward.store import AppRecord, AppSetRecord, Store

__all__ = ["KeptSet", "appset_json", "kept_sets", "preview_json", "project_of_set"]

KeptSet = Mapping[str, Any]


async def kept_sets(store: Store) -> list[KeptSet]:
    """Every ApplicationSet the parents' last refreshes kept, and those created through the
    API with what their last expansion kept, by name."""
    summaries = await store.apps.list()
    parents = {s.parent for s in summaries if s.parent} | {
        s.name for s in summaries if s.parent is None
    }
    found: dict[str, KeptSet] = {}
    for name in sorted(parents):
        record = await store.apps.get(name)
        kept = record.status.resources.get(APPLICATION_SETS) if record is not None else None
        for item in kept if isinstance(kept, list) else []:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                found.setdefault(item["name"], item)
    for stored in await store.appsets.list():
        found.setdefault(stored.name, _kept_of(stored))
    return [found[name] for name in sorted(found)]


def _kept_of(stored: AppSetRecord) -> KeptSet:
    """A set created through the API, as a parent's refresh would have kept it."""
    return {
        **stored.status,
        "name": stored.name,
        "document": stored.document,
        "parent": None,
        "file": None,
    }


def project_of_set(kept: KeptSet) -> str:
    """The project RBAC checks a set against: its template's ``spec.project`` as written."""
    spec = _spec(kept)
    template = spec.get("template")
    body = template.get("spec") if isinstance(template, Mapping) else None
    project = body.get("project") if isinstance(body, Mapping) else None
    return project if isinstance(project, str) and project else "default"


async def appset_json(store: Store, kept: KeptSet) -> dict[str, Any]:
    """One set as Argo CD's API shows it, with its generated apps' current state."""
    apps: list[AppRecord] = []
    for name in kept.get("applications") or []:
        record = await store.apps.get(str(name))
        if record is not None:
            apps.append(record)
    conditions = [dict(c) for c in kept.get("conditions") or []]
    rollout = rollout_condition(kept, [_step(app) for app in apps], datetime.now(UTC))
    if rollout is not None:
        conditions.append(rollout)
    document = kept.get("document") or {}
    metadata = document.get("metadata") if isinstance(document, Mapping) else None
    metadata = dict(metadata) if isinstance(metadata, Mapping) else {"name": kept["name"]}
    metadata.setdefault("namespace", "argocd")
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": metadata,
        "spec": _masked(_spec(kept)),
        "status": {
            "conditions": conditions,
            "resources": [_resource(app) for app in apps],
            "declaredBy": {"app": kept.get("parent"), "file": kept.get("file")},
            "warnings": list(kept.get("warnings") or []),
        },
    }


def preview_json(document: Mapping[str, Any], apps: list[Manifest]) -> dict[str, Any]:
    """A dry run's answer: the set as given, ``status.resources`` naming each Application it
    would generate (Argo CD's shape) and gitward's ``status.applications`` holding them whole
    (repoURL credentials masked)."""
    metadata = dict(document.get("metadata") or {})
    metadata.setdefault("namespace", "argocd")
    resources = [
        {
            "group": "argoproj.io",
            "version": "v1alpha1",
            "kind": "Application",
            "namespace": str(app["metadata"].get("namespace") or "argocd"),
            "name": str(app["metadata"]["name"]),
        }
        for app in apps
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": metadata,
        "spec": _masked(_spec({"document": document})),
        "status": {"resources": resources, "applications": _masked(apps)},
    }


def _spec(kept: KeptSet) -> Mapping[str, Any]:
    document = kept.get("document")
    spec = document.get("spec") if isinstance(document, Mapping) else None
    return spec if isinstance(spec, Mapping) else {}


def _resource(app: AppRecord) -> dict[str, Any]:
    return {
        "group": "argoproj.io",
        "version": "v1alpha1",
        "kind": "Application",
        "namespace": "argocd",
        "name": app.name,
        "status": app.status.sync_status,
        "health": {"status": app.status.health_status},
    }


def _step(app: AppRecord) -> tuple[str, str, str, int]:
    metadata = app.document.get("metadata")
    notes = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    wave = notes.get("argocd.argoproj.io/sync-wave") if isinstance(notes, Mapping) else None
    step = int(wave) if isinstance(wave, str) and wave.lstrip("-").isdigit() else 0
    return app.name, app.status.sync_status, app.status.health_status, step


def _masked(value: Any) -> Any:
    """``value`` with credentials in every ``repoURL`` masked (templates and generators)."""
    if isinstance(value, Mapping):
        return {
            key: redact_url(item) if key == "repoURL" and isinstance(item, str) else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
