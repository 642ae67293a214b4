"""Builders for the controller's unit tests: Application documents and stored records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from gitward.store import AppRecord, AppStatus, OperationPhase, OperationRecord
from support import applications

REPO = "https://github.com/example/infra.git"
IN_CLUSTER = "https://kubernetes.default.svc"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SHA1, SHA2 = "1" * 40, "2" * 40


def application(
    name: str,
    *,
    wave: int | None = None,
    automated: bool = True,
    repo: str = REPO,
    revision: str = "main",
    namespace: str = "dev",
    finalizers: list[str] | None = None,
) -> dict[str, Any]:
    return applications.application(
        name,
        repo_url=repo,
        revision=revision,
        path=f"apps/{name}",
        namespace=namespace,
        app_namespace="argocd",
        annotations=None if wave is None else {"argocd.argoproj.io/sync-wave": str(wave)},
        finalizers=finalizers or None,
        automated=applications.PRUNE_AND_SELF_HEAL if automated else None,
    )


def record(
    document: dict[str, Any],
    *,
    sync: str = "Synced",
    health: str = "Healthy",
    revisions: tuple[str, ...] = (SHA1,),
    reconciled_at: datetime | None = T0,
    parent: str | None = "root",
    conditions: tuple[dict[str, Any], ...] = (),
) -> AppRecord:
    status = AppStatus(
        sync_status=sync,
        health_status=health,
        conditions=conditions,
        reconciled_at=reconciled_at,
        observed_revisions=revisions,
    )
    return AppRecord(
        name=document["metadata"]["name"],
        project="default",
        parent=parent,
        file=None,
        labels={},
        document=document,
        history_limit=10,
        status=status,
        version=3,
        created_at=T0 - timedelta(days=1),
        updated_at=T0,
    )


def operation(
    app: str, phase: OperationPhase, revisions: tuple[str, ...] = (SHA1,), message: str = ""
) -> OperationRecord:
    finished = None if phase in (OperationPhase.RUNNING, OperationPhase.TERMINATING) else T0
    return OperationRecord(
        id=str(uuid.uuid4()),
        app=app,
        phase=phase,
        message=message,
        request={"revision": revisions[0], "revisions": list(revisions)},
        state={},
        requested_by="automated",
        terminate=False,
        created_at=T0 - timedelta(minutes=1),
        updated_at=T0,
        finished_at=finished,
    )
