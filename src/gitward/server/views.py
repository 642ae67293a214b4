"""The API's JSON shapes, made from the store's records: Argo CD's Application (metadata, spec as
written, status), history entries, operation states, projects, repositories, clusters, accounts.

Schemas for clients, separate from storage: the store's records never go out as they are.
Repositories and clusters show ``has*`` flags, never credentials; accounts never a hash. List
items are small (no history, resources or operation) so that thousands list fast. Pure.

An app's promotions (gitward's, from the audit log) are ``status.promotions``, a list of their
own beside Argo CD's ``status.history``: every history entry stays a deployment with the id a
rollback names, so Argo CD's clients (``argocd app history``, ``argocd app rollback``) read it
as they read Argo CD's, and ignore the field they do not know.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gitward.redaction import redact_url
from gitward.store import (
    AppRecord,
    AppSummary,
    AuditEntry,
    ClusterRecord,
    HistoryEntry,
    OperationRecord,
    ProjectRecord,
    RepoRecord,
)
from gitward.store.accounts import AccountRecord, TokenRecord

__all__ = [
    "account_json",
    "app_json",
    "app_summary_json",
    "cluster_json",
    "history_json",
    "operation_state_json",
    "project_json",
    "promotion_json",
    "repo_json",
    "token_json",
]

Json = dict[str, Any]

_RESULT_STATUS = {
    "created": "Synced",
    "configured": "Synced",
    "unchanged": "Synced",
    "failed": "SyncFailed",
    "pruned": "Pruned",
    "prune-skipped": "PruneSkipped",
}
_HOOK_PHASE = {
    "running": "Running",
    "deleting": "Running",
    "succeeded": "Succeeded",
    "failed": "Failed",
}


def when(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``, as Kubernetes writes times."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def app_summary_json(summary: AppSummary) -> Json:
    """A list item: name, labels, project, first source, destination, automated sync policy,
    sync status and revision, health status, and when it was looked at.

    As in Argo CD's JSON, empty source and destination fields are left out (``repoURL`` stays).
    A multi-source app shows its first source as ``spec.source`` and that source's commit as
    ``status.sync.revision`` (the list's columns cannot tell it from a single-source app; its
    ``revisions`` are in the app's own JSON); ``spec.syncPolicy`` holds only ``automated``, and
    is absent for a manual app.
    """
    source = {"repoURL": redact_url(summary.repo_url)}
    if summary.source_path:
        source["path"] = summary.source_path
    if summary.source_chart:
        source["chart"] = summary.source_chart
    if summary.target_revision:
        source["targetRevision"] = summary.target_revision
    destination = {}
    if summary.dest_server:
        destination["server"] = summary.dest_server
    if summary.dest_name:
        destination["name"] = summary.dest_name
    if summary.dest_namespace:
        destination["namespace"] = summary.dest_namespace
    spec: Json = {"project": summary.project, "source": source, "destination": destination}
    if summary.sync_policy is not None:
        spec["syncPolicy"] = summary.sync_policy
    return {
        "metadata": {"name": summary.name, "labels": dict(summary.labels)},
        "spec": spec,
        "status": {
            "sync": {"status": summary.sync_status, "revision": summary.revision},
            "health": {"status": summary.health_status},
            "reconciledAt": when(summary.reconciled_at),
        },
    }


def app_json(
    record: AppRecord,
    operation: OperationRecord | None = None,
    history: Sequence[HistoryEntry] = (),
    promotions: Sequence[AuditEntry] = (),
) -> Json:
    """The whole Application: metadata and spec as written, the status the controller found,
    and (gitward's) the promotions into it, oldest first (see the module docstring).

    As in Argo CD, a single-source app's ``status.sync`` has the commit in ``revision``; a
    multi-source app's has ``revision`` empty and one commit per source, in source order, in
    ``revisions``. ``comparedTo`` holds ``sources`` or ``source``, never both.
    """
    document = dict(record.document)
    metadata = dict(document.get("metadata") or {})
    metadata.setdefault("namespace", "argocd")
    spec = _masked_sources(dict(document.get("spec") or {}))
    status = record.status
    chosen = _deployed_sources(spec)
    compared = {**chosen, **{key: spec[key] for key in ("destination",) if key in spec}}
    body: Json = {
        "sync": {
            "status": status.sync_status,
            **_revision_fields(chosen, status.observed_revisions),
            "comparedTo": compared,
        },
        "health": {"status": status.health_status, "message": status.health_message},
        "history": [history_json(entry) for entry in sorted(history, key=lambda e: e.id)],
        "promotions": [promotion_json(entry) for entry in sorted(promotions, key=lambda e: e.id)],
        "conditions": [dict(condition) for condition in status.conditions],
        "reconciledAt": when(status.reconciled_at),
        "resources": list(_resources(status.resources)),
    }
    if operation is not None:
        body["operationState"] = operation_state_json(operation, spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {**metadata, "name": record.name, "resourceVersion": str(record.version)},
        "spec": spec,
        "status": body,
    }


def _deployed_sources(holder: Mapping[str, Any]) -> Json:
    """``{"sources": [...]}`` when ``holder`` (a spec, a stored history source, an operation's
    sources) has a non-empty ``sources`` list, which wins over ``source`` as in Argo CD; else
    ``{"source": {...}}``; ``{}`` when it has neither."""
    sources = holder.get("sources")
    if isinstance(sources, list) and sources:
        return {"sources": [_masked_source(item) for item in sources]}
    source = holder.get("source")
    return {"source": _masked_source(source)} if isinstance(source, dict) else {}


def _masked_sources(spec: Json) -> Json:
    """``spec`` with the credentials of every source's repoURL masked: the API refuses them,
    but an app stored before it did may still hold some."""
    masked = dict(spec)
    if isinstance(spec.get("source"), dict):
        masked["source"] = _masked_source(spec["source"])
    if isinstance(spec.get("sources"), list):
        masked["sources"] = [_masked_source(item) for item in spec["sources"]]
    return masked


def _masked_source(source: Any) -> Any:
    url = source.get("repoURL") if isinstance(source, dict) else None
    return {**source, "repoURL": redact_url(url)} if isinstance(url, str) else source


def _revision_fields(chosen: Mapping[str, Any], revisions: Sequence[str]) -> Json:
    """Argo CD's ``revision``/``revisions`` pair: the commit in ``revision`` for one source;
    ``revision`` empty and every source's commit in ``revisions`` for several."""
    if "sources" in chosen:
        return {"revision": "", "revisions": list(revisions)}
    return {"revision": revisions[0] if revisions else ""}


def _texts(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _resources(summary: Mapping[str, Any]) -> list[Json]:
    items = summary.get("items")
    return (
        [dict(item) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    )


def history_json(entry: HistoryEntry) -> Json:
    """One deployment, as Argo CD's ``status.history[]``: ``revision`` and ``source`` for a
    single-source app; ``revision`` empty, ``sources`` and ``revisions`` (one commit per
    source) for a multi-source one. ``targetRevision`` is gitward's: the targetRevisions as
    written."""
    stored = entry.source if isinstance(entry.source, dict) else {}
    chosen = _deployed_sources(stored)
    revisions = _texts(stored.get("revisions")) if "sources" in chosen else [entry.commit_sha]
    shown: Json = {
        "id": entry.id,
        **_revision_fields(chosen, revisions),
        "targetRevision": entry.revision,
        "deployedAt": when(entry.deployed_at),
        "initiatedBy": {
            "username": entry.initiated_by,
            "automated": entry.initiated_by == "automated",
        },
        "phase": entry.phase.value,
        "message": entry.message,
    }
    return {**shown, **chosen}


def promotion_json(entry: AuditEntry) -> Json:
    """One promotion into the app (gitward's): the values read and those that ``changed`` (with
    their old value; empty for an entry written before they were kept), from which app at which
    revision,
    what came of it (``committed`` with its commit, ``proposed`` with its branch and pull
    request link, or ``refused`` with the gate's message), who asked, and whether forced."""
    details = entry.details
    values, changed = details.get("values"), details.get("changed")
    return {
        "promotedAt": when(entry.at),
        "source": str(details.get("source") or ""),
        "sourceRevision": str(details.get("sourceRevision") or ""),
        "outcome": str(details.get("outcome") or ""),
        "values": [
            {"key": str(key), "value": str(value)}
            for key, value in (values.items() if isinstance(values, dict) else ())
        ],
        "changed": [
            {"key": str(c.get("key")), "old": str(c.get("old")), "new": str(c.get("new"))}
            for c in (changed if isinstance(changed, list) else ())
            if isinstance(c, dict)
        ],
        "commit": str(details.get("commit") or ""),
        "branch": str(details.get("branch") or ""),
        "pullRequest": redact_url(str(details.get("pullRequest") or "")),
        "forced": details.get("forced") is True,
        "initiatedBy": {"username": entry.actor, "automated": entry.actor == "automated"},
        "message": str(details.get("message") or ""),
    }


def operation_state_json(record: OperationRecord, spec: Mapping[str, Any] | None = None) -> Json:
    """Argo CD's ``status.operationState`` of the app's newest operation.

    The sources deployed are those the request names (a rollback's), else the app's ``spec``.
    For a multi-source app ``operation.sync`` has ``revisions`` (one commit per source) and
    ``syncResult`` has ``revision`` empty, ``revisions`` and ``sources``; for a single-source
    one they have ``revision`` (and ``source``), as Argo CD's SyncOperation and
    SyncOperationResult do. ``operation.sync`` names sources only for a rollback.
    """
    request = dict(record.request)
    state = dict(record.state)
    results = state.get("results") if isinstance(state.get("results"), list) else []
    named = request.get("sources")
    chosen = _deployed_sources(named if isinstance(named, dict) else spec or {})
    revision = str(request.get("revision") or "")
    revisions = _texts(request.get("revisions")) or ([revision] if revision else [])
    return {
        "phase": record.phase.value,
        "message": record.message,
        "startedAt": when(record.created_at),
        "finishedAt": when(record.finished_at),
        "operation": {
            "initiatedBy": {
                "username": record.requested_by,
                "automated": bool(request.get("automated")),
            },
            "sync": _sync_asked(request, chosen, revisions, rollback=isinstance(named, dict)),
            "kind": request.get("kind", "sync"),
        },
        "syncResult": {
            **_revision_fields(chosen, revisions),
            **chosen,
            "resources": [_result_json(item) for item in results or [] if isinstance(item, dict)],
        },
    }


def _sync_asked(
    request: Mapping[str, Any], chosen: Json, revisions: list[str], *, rollback: bool
) -> Json:
    """Argo CD's ``operation.sync``: the flags asked for, ``revision`` or (multi-source)
    ``revisions``, and the sources a rollback deploys instead of the app's own."""
    asked = {
        key: request[key]
        for key in ("prune", "dryRun", "resources", "syncOptions")
        if key in request
    }
    if "sources" in chosen:
        asked["revisions"] = revisions
    elif "revision" in request:
        asked["revision"] = request["revision"]
    return {**asked, **chosen} if rollback else asked


def _result_json(item: Mapping[str, Any]) -> Json:
    hook = bool(item.get("hook"))
    return {
        "group": item.get("group", ""),
        "kind": item.get("kind", ""),
        "namespace": item.get("namespace", ""),
        "name": item.get("name", ""),
        "status": _RESULT_STATUS.get(str(item.get("code")), ""),
        "message": item.get("message", ""),
        "hookPhase": _HOOK_PHASE.get(str(item.get("status")), "") if hook else "",
        "syncPhase": item.get("phase", ""),
        "hookType": item.get("phase", "") if hook else "",
    }


def project_json(record: ProjectRecord) -> Json:
    document = dict(record.document)
    metadata = dict(document.get("metadata") or {})
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {**metadata, "name": record.name, "resourceVersion": str(record.version)},
        "spec": dict(document.get("spec") or {}),
    }


def repo_json(record: RepoRecord) -> Json:
    """A repository: what it is and which credentials it has, never the credentials."""
    return {
        "repo": record.url,
        "name": record.name,
        "type": record.type,
        "project": record.project,
        "insecure": record.insecure,
        "enableLfs": record.enable_lfs,
        "username": record.username,
        "hasCredentials": record.has_password
        or record.has_bearer_token
        or record.has_ssh_private_key
        or record.has_tls_client_cert,
        "hasPassword": record.has_password,
        "hasSshPrivateKey": record.has_ssh_private_key,
        "hasTlsClientCert": record.has_tls_client_cert,
    }


def cluster_json(record: ClusterRecord) -> Json:
    """A cluster: where and what, never its credentials."""
    return {
        "server": record.server,
        "name": record.name,
        "namespaces": list(record.namespaces),
        "project": record.project,
        "labels": dict(record.labels),
        "config": {
            "username": record.username,
            "hasBearerToken": record.has_bearer_token,
            "hasPassword": record.has_password,
            "tlsClientConfig": {
                "insecure": record.insecure,
                "serverName": record.server_name,
                "hasCaData": record.has_ca_data,
                "hasClientCert": record.has_tls_client_cert,
            },
        },
    }


def account_json(record: AccountRecord, tokens: Sequence[TokenRecord] = ()) -> Json:
    return {
        "name": record.name,
        "enabled": record.enabled,
        "capabilities": sorted(capability.value for capability in record.capabilities),
        "passwordChangedAt": when(record.password_changed_at),
        "tokens": [token_json(token) for token in tokens if not token.revoked],
    }


def token_json(record: TokenRecord) -> Json:
    return {
        "id": record.id,
        "description": record.description,
        "issuedAt": when(record.issued_at),
        "expiresAt": when(record.expires_at),
    }
