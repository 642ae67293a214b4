"""Storing statuses: those that arrive together share a transaction; failures stay apart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from controller_builders import SHA1, T0, application

from gitward.controller.statuses import StatusWriter
from gitward.model.application import parse_application
from gitward.store import AppDefinition, AppStatus, Store, StoreConfigError


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}")
    yield opened
    await opened.close()


async def add_apps(store: Store, count: int) -> list[str]:
    names = [f"web-{index:02d}" for index in range(count)]
    definitions = []
    for name in names:
        document = application(name)
        definitions.append(AppDefinition.of(parse_application(document).value, document))
    await store.apps.upsert_many(definitions)
    return names


def synced(at: datetime = T0) -> AppStatus:
    return AppStatus(
        sync_status="Synced",
        health_status="Healthy",
        reconciled_at=at,
        observed_revisions=(SHA1,),
    )


async def test_statuses_written_together_share_one_transaction(store: Store) -> None:
    names = await add_apps(store, 20)
    writer = StatusWriter(store)
    stored = await asyncio.gather(*(writer.write(name, synced()) for name in names))
    assert stored == [True] * 20
    assert writer.transactions < 20
    for name in names:
        record = await store.apps.get(name)
        assert record is not None
        assert (record.status.sync_status, record.status.reconciled_at) == ("Synced", T0)


async def test_a_status_for_a_deleted_app_says_so_and_the_others_are_stored(
    store: Store,
) -> None:
    names = await add_apps(store, 3)
    await store.apps.delete(names[1])
    writer = StatusWriter(store)
    stored = await asyncio.gather(*(writer.write(name, synced()) for name in names))
    assert stored == [True, False, True]
    kept = await store.apps.get(names[2])
    assert kept is not None and kept.status.health_status == "Healthy"


async def test_a_status_the_store_refuses_fails_alone(store: Store) -> None:
    names = await add_apps(store, 3)
    writer = StatusWriter(store)
    naive = datetime(2025, 3, 1, 9, 0)  # no timezone: the store refuses it
    statuses = [synced(), synced(naive), synced()]
    results = await asyncio.gather(
        *(writer.write(name, status) for name, status in zip(names, statuses, strict=True)),
        return_exceptions=True,
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], StoreConfigError)
    refused = await store.apps.get(names[1])
    assert refused is not None and refused.status.reconciled_at is None


async def test_draining_waits_for_statuses_handed_over(store: Store) -> None:
    names = await add_apps(store, 5)
    writer = StatusWriter(store)
    writes = [asyncio.create_task(writer.write(name, synced())) for name in names]
    await asyncio.sleep(0)
    await writer.drain()
    for name in names:
        record = await store.apps.get(name)
        assert record is not None and record.status.reconciled_at == T0
    assert await asyncio.gather(*writes) == [True] * 5
