"""The controller's cached reads: loaded once, kept current by the store's change feed, and
caught up with other processes' writes at every resync."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from controller_builders import T0, application

from gitward.controller.reads import CachedReads, DirectReads, current_operation
from gitward.model.application import parse_application
from gitward.store import (
    AppDefinition,
    AppRecord,
    AppStatus,
    OperationPhase,
    ProjectDefinition,
    Store,
)

SYNC = {"sync": {"revision": "main"}}


def definition(name: str, parent: str | None = None) -> AppDefinition:
    document = application(name)
    return AppDefinition.of(parse_application(document).value, document, parent=parent)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gitward.db'}"


@pytest.fixture
async def store(url: str) -> AsyncIterator[Store]:
    opened = await Store.open(url)
    yield opened
    await opened.close()


@pytest.fixture
async def elsewhere(url: str, store: Store) -> AsyncIterator[Store]:
    """The same database opened a second time: another process, as far as the feed knows."""
    opened = await Store.open(url)
    yield opened
    await opened.close()


@pytest.fixture
def reads(store: Store) -> CachedReads:
    cached = CachedReads(store)
    cached.open()
    return cached


async def resync(reads: CachedReads, store: Store) -> None:
    since = reads.mark()
    reads.resync(await store.apps.list(), await store.operations.running(), since=since)


async def test_a_record_is_read_once_and_then_served_from_memory(
    store: Store, elsewhere: Store, reads: CachedReads
) -> None:
    first = await store.apps.upsert(definition("web"))
    assert await reads.app("web") == first

    await elsewhere.apps.set_status("web", AppStatus(sync_status="OutOfSync"))

    assert await reads.app("web") == first  # kept: the other store's write is not in our feed
    assert await DirectReads(store).app("web") != first


async def test_a_resync_drops_what_another_process_changed(
    store: Store, elsewhere: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("web"))
    await store.apps.upsert(definition("api"))
    await reads.app("web"), await reads.app("api")
    await elsewhere.apps.set_status("web", AppStatus(sync_status="OutOfSync"))
    await elsewhere.apps.delete("api")

    await resync(reads, store)

    web = await reads.app("web")
    assert web is not None and web.status.sync_status == "OutOfSync"
    assert await reads.app("api") is None


async def test_this_process_s_status_writes_update_the_kept_record(
    store: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("web"))
    before = await reads.app("web")
    status = AppStatus(sync_status="Synced", health_status="Healthy")

    version = await store.apps.set_status("web", status)

    after = await reads.app("web")
    assert before is not None and after is not None
    assert (after.status, after.version) == (status, version)
    assert after.document == before.document
    await resync(reads, store)
    assert await reads.app("web") is after  # the versions agree: nothing to read again


async def test_a_definition_change_and_a_delete_are_seen_at_once(
    store: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("root"))
    await store.apps.upsert(definition("web"))
    await resync(reads, store)
    assert await reads.children("root") == []

    moved = await store.apps.upsert(definition("web", parent="root"))
    await store.apps.upsert(definition("api", parent="root"))
    assert await reads.app("web") == moved
    assert await reads.children("root") == ["api", "web"]

    await store.apps.delete("web")
    assert await reads.app("web") is None
    assert await reads.children("root") == ["api"]


async def test_an_app_deleted_during_a_resync_s_list_stays_deleted(
    store: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("web", parent="root"))
    await resync(reads, store)
    since = reads.mark()
    listed = await store.apps.list()  # still has web
    await store.apps.delete("web")

    reads.resync(listed, [], since=since)

    assert await reads.children("root") == []
    assert await reads.app("web") is None


async def test_the_latest_operation_follows_every_step(store: Store, reads: CachedReads) -> None:
    await store.apps.upsert(definition("web"))
    assert await reads.latest_operation("web") is None

    started = await store.operations.start("web", request=SYNC, requested_by="alice")
    assert await current_operation(reads, "web") == started
    stopping = await store.operations.terminate("web")
    assert await reads.latest_operation("web") == stopping
    done = await store.operations.finish(started.id, OperationPhase.FAILED, message="stopped")

    assert await reads.latest_operation("web") == done
    assert await current_operation(reads, "web") is None
    assert await reads.latest_operation("web") == await store.operations.latest("web")


async def test_projects_are_read_again_after_a_project_changes(
    store: Store, reads: CachedReads
) -> None:
    assert await reads.projects() == []
    made = await store.projects.upsert(ProjectDefinition(name="team", document={"spec": {}}))

    assert await reads.projects() == [made]
    await store.projects.delete("team")
    assert await reads.projects() == []


class SlowReads(DirectReads):
    """Database reads that wait for a go-ahead, so that a change can overtake them."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.read, self.go = asyncio.Event(), asyncio.Event()

    async def app(self, name: str) -> AppRecord | None:
        found = await super().app(name)
        self.read.set()
        await self.go.wait()
        return found


async def test_a_load_overtaken_by_a_change_is_returned_but_not_kept(
    store: Store, elsewhere: Store, reads: CachedReads
) -> None:
    old = await elsewhere.apps.upsert(definition("web"))  # not in the feed: read on demand
    slow = SlowReads(store)
    reads._direct = slow
    loading = asyncio.create_task(reads.app("web"))
    await asyncio.wait_for(slow.read.wait(), timeout=10)
    await store.apps.delete("web")
    slow.go.set()

    assert await loading == old
    reads._direct = DirectReads(store)
    assert await reads.app("web") is None


async def test_a_closed_cache_reads_the_database_every_time(
    store: Store, elsewhere: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("web"))
    await reads.app("web")
    reads.close()

    await elsewhere.apps.set_status("web", AppStatus(sync_status="OutOfSync"))

    record = await reads.app("web")
    assert record is not None and record.status.sync_status == "OutOfSync"
    await store.apps.set_status("web", AppStatus(sync_status="Synced"))
    again = await reads.app("web")
    assert again is not None and again.status.sync_status == "Synced"


async def test_a_child_made_while_the_first_list_is_read_is_not_lost(
    store: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("root"))
    since = reads.mark()
    listed = await store.apps.list()  # before the child
    await store.apps.upsert(definition("child", parent="root"))

    reads.resync(listed, [], since=since)

    assert await reads.children("root") == ["child"]


async def test_an_operation_finished_by_a_clock_that_went_back_is_still_finished(
    tmp_path: Path,
) -> None:
    now = [T0]
    backwards = await Store.open(f"sqlite:///{tmp_path / 'clock.db'}", clock=lambda: now[0])
    try:
        reads = CachedReads(backwards)
        reads.open()
        await backwards.apps.upsert(definition("web"))
        started = await backwards.operations.start("web", request=SYNC, requested_by="alice")
        now[0] = T0 + timedelta(minutes=10)
        stepped = await backwards.operations.save_step(started.id, {"wave": 1})
        now[0] = T0 + timedelta(minutes=5)
        done = await backwards.operations.finish(started.id, OperationPhase.SUCCEEDED)
        assert done.updated_at < stepped.updated_at  # the clock went back

        assert await reads.latest_operation("web") == done
        assert await current_operation(reads, "web") is None
    finally:
        await backwards.close()


async def test_a_resync_catches_operations_written_elsewhere(
    store: Store, elsewhere: Store, reads: CachedReads
) -> None:
    await store.apps.upsert(definition("web"))
    assert await current_operation(reads, "web") is None
    started = await elsewhere.operations.start("web", request=SYNC, requested_by="alice")

    await resync(reads, store)
    assert await current_operation(reads, "web") == started

    await elsewhere.operations.finish(started.id, OperationPhase.SUCCEEDED)
    await resync(reads, store)
    assert await current_operation(reads, "web") is None


async def test_a_project_is_parsed_once_per_version(store: Store, reads: CachedReads) -> None:
    window = {"kind": "deny", "schedule": "0 22 * * *", "duration": "8h", "applications": ["*"]}
    document = {"metadata": {"name": "team"}, "spec": {"syncWindows": [window]}}
    assert await reads.project("team") is None
    await store.projects.upsert(ProjectDefinition(name="team", document=document))

    first = await reads.project("team")
    assert first is not None and first.sync_windows[0].schedule == "0 22 * * *"
    assert await reads.project("team") is first
    assert await DirectReads(store).project("team") == first

    changed = {**document, "spec": {"syncWindows": [{**window, "duration": "1h"}]}}
    await store.projects.upsert(ProjectDefinition(name="team", document=changed))
    again = await reads.project("team")
    assert again is not None and again.sync_windows[0].duration == "1h"
