"""The store's public surface is what ``gitward.store.__all__`` says; its records are frozen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

import gitward.store
from gitward.store import AppSummary, Store
from gitward.store.apps import Apps
from gitward.store.appsets import AppSets
from gitward.store.audit import Audit
from gitward.store.clusters import Clusters
from gitward.store.history import History
from gitward.store.notifications import Notifications
from gitward.store.operations import Operations
from gitward.store.projects import Projects
from gitward.store.repos import Repos


def test_the_public_surface_is_exactly_the_documented_names() -> None:
    assert set(gitward.store.__all__) == {
        "SECRET_KEY_VARIABLE",
        "AppDefinition",
        "AppRecord",
        "AppSetRecord",
        "AppStatus",
        "AppSummary",
        "AuditAction",
        "AuditEntry",
        "Clock",
        "ClusterDefinition",
        "ClusterRecord",
        "Credentials",
        "HistoryEntry",
        "LabelSelector",
        "OperationPhase",
        "OperationRecord",
        "OperationRunningError",
        "ProjectDefinition",
        "ProjectRecord",
        "RecordInUseError",
        "RecordNotFoundError",
        "RepoDefinition",
        "RepoRecord",
        "StaleWriteError",
        "Store",
        "StoreConfigError",
        "StoreError",
        "StoreUnavailableError",
        "Transaction",
    }


def test_every_public_name_is_importable() -> None:
    assert [name for name in gitward.store.__all__ if not hasattr(gitward.store, name)] == []


async def test_the_store_and_its_transactions_group_their_calls_by_concern(
    tmp_path: Path,
) -> None:
    groups = {
        "apps": Apps,
        "projects": Projects,
        "appsets": AppSets,
        "repos": Repos,
        "clusters": Clusters,
        "operations": Operations,
        "history": History,
        "audit": Audit,
        "notifications": Notifications,
    }
    store = await Store.open(str(tmp_path / "gitward.db"), env={})
    async with store, store.transaction() as tx:
        for holder in (store, tx):
            assert {name: type(getattr(holder, name)) for name in groups} == groups


def test_records_cannot_be_changed_after_they_are_read() -> None:
    summary = AppSummary("a", "default", None, {}, "Synced", "Healthy", datetime.now(UTC), 1)

    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.version = 2  # type: ignore[misc]
