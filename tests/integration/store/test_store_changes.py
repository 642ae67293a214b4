"""The change feed: every committed write of apps, projects and operations, once, in order."""

from __future__ import annotations

import pytest
from store_builders import app

from gitward.store import (
    AppStatus,
    OperationPhase,
    ProjectDefinition,
    RecordNotFoundError,
    StaleWriteError,
    Store,
)
from gitward.store.changes import (
    AppDeleted,
    AppStatusChanged,
    AppWritten,
    Change,
    OperationWritten,
    ProjectDeleted,
    ProjectWritten,
)

SYNC = {"sync": {"revision": "main"}}


@pytest.fixture
def heard(store: Store) -> list[Change]:
    changes: list[Change] = []
    store.changes.subscribe(changes.append)
    return changes


async def test_an_app_upsert_publishes_the_committed_record(
    store: Store, heard: list[Change]
) -> None:
    created = await store.apps.upsert(app("guestbook"))
    updated = await store.apps.upsert(app("guestbook", parent="root"))

    assert heard == [AppWritten(created), AppWritten(updated)]
    assert [c.record.version for c in heard if isinstance(c, AppWritten)] == [1, 2]


async def test_a_bulk_upsert_publishes_every_app(store: Store, heard: list[Change]) -> None:
    versions = await store.apps.upsert_many([app("a"), app("b", parent="a")])

    written = {c.record.name: c.record for c in heard if isinstance(c, AppWritten)}
    assert {name: r.version for name, r in written.items()} == versions
    assert written["b"].parent == "a"


async def test_a_status_write_publishes_the_status_and_new_version(
    store: Store, heard: list[Change]
) -> None:
    await store.apps.upsert(app("guestbook"))
    status = AppStatus(sync_status="Synced", health_status="Healthy")

    version = await store.apps.set_status("guestbook", status)

    assert heard[-1] == AppStatusChanged("guestbook", status, version)
    stored = await store.apps.get("guestbook")
    assert stored is not None
    assert (stored.version, stored.status) == (version, status)


async def test_a_refused_status_write_publishes_nothing(store: Store, heard: list[Change]) -> None:
    await store.apps.upsert(app("guestbook"))
    heard.clear()

    with pytest.raises(StaleWriteError):
        await store.apps.set_status("guestbook", AppStatus(), expected_version=7)
    with pytest.raises(RecordNotFoundError):
        await store.apps.set_status("nothing-here", AppStatus())

    assert heard == []


async def test_a_transaction_publishes_after_it_commits_and_not_if_it_rolls_back(
    store: Store, heard: list[Change]
) -> None:
    await store.apps.upsert(app("guestbook"))
    heard.clear()

    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.apps.set_status("guestbook", AppStatus(sync_status="OutOfSync"))
            raise RuntimeError("changed my mind")
    assert heard == []

    async with store.transaction() as tx:
        await tx.apps.set_status("guestbook", AppStatus(sync_status="Synced"))
        assert heard == []  # not committed yet
    assert [type(c) for c in heard] == [AppStatusChanged]


async def test_deletes_publish_what_is_gone(store: Store, heard: list[Change]) -> None:
    await store.projects.upsert(ProjectDefinition(name="team", document={"spec": {}}))
    await store.apps.upsert(app("guestbook"))

    assert await store.apps.delete("guestbook")
    assert not await store.apps.delete("guestbook")
    assert await store.projects.delete("team")

    assert heard[-2:] == [AppDeleted("guestbook"), ProjectDeleted("team")]
    assert isinstance(heard[0], ProjectWritten)


async def test_every_operation_step_is_published(store: Store, heard: list[Change]) -> None:
    await store.apps.upsert(app("guestbook"))
    started = await store.operations.start("guestbook", request=SYNC, requested_by="alice")
    stepped = await store.operations.save_step(started.id, {"wave": 1}, message="wave 1")
    finished = await store.operations.finish(started.id, OperationPhase.SUCCEEDED)

    operations = [c.record for c in heard if isinstance(c, OperationWritten)]
    assert operations == [started, stepped, finished]


async def test_a_failing_listener_neither_undoes_the_write_nor_silences_the_others(
    store: Store, heard: list[Change]
) -> None:
    def broken(change: Change) -> None:
        raise ValueError("a bug in a listener")

    store.changes.subscribe(broken)
    later: list[Change] = []
    unsubscribe = store.changes.subscribe(later.append)

    record = await store.apps.upsert(app("guestbook"))
    unsubscribe()
    await store.apps.delete("guestbook")

    assert later == [AppWritten(record)]
    assert heard == [AppWritten(record), AppDeleted("guestbook")]
