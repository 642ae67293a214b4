"""Automatic promotion's follower over a real (SQLite) store, with a recording promoter in place
of git: once per (source revision, target), only from a Synced and Healthy source, a refusal not
retried at the same revision, a passing failure retried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from gitward.controller.events import AppEvent, EventStream
from gitward.controller.following import AUTOMATED_PROMOTION, Follower
from gitward.delivery.gates import PromotionRefusedError
from gitward.errors import GitUnavailableError
from gitward.model.application import parse_application
from gitward.store import AppDefinition, AppStatus, Store
from support.applications import application


def document(name: str, **annotations: str) -> dict[str, Any]:
    return application(
        name,
        repo_url="https://example.com/r.git",
        path="chart",
        revision=None,
        annotations=annotations,
    )


class Recording:
    """Stands in for :class:`Promotions`: records each call, fails as told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.failures: list[Exception] = []

    async def promote(
        self, target: str, source: str, keys: Sequence[str] = (), *, actor: str, force: bool = False
    ) -> Any:
        self.calls.append((target, source, actor))
        if self.failures:
            raise self.failures.pop(0)
        return _Done()


class _Done:
    def summary(self) -> str:
        return "done"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}", secret_key=None)
    for doc in (document("dev"), document("staging", **{"gitward.io/promote-from": "dev"})):
        await opened.apps.upsert(AppDefinition.of(parse_application(doc).value, doc))
    yield opened
    await opened.close()


async def status(store: Store, name: str, sync: str, health: str, revision: str) -> None:
    await store.apps.set_status(name, AppStatus(sync, health, observed_revisions=(revision,)))


async def settle(follower: Follower, promoter: Recording, event: AppEvent) -> None:
    """Hand ``event`` to the follower and let the promotions it starts finish."""
    await follower.heard(event)
    await asyncio.wait_for(follower.settled(), 5)


async def test_a_healthy_source_revision_is_promoted_once_into_its_follower(store: Store) -> None:
    promoter = Recording()
    follower = Follower(promoter, store, EventStream())  # type: ignore[arg-type]
    await status(store, "dev", "Synced", "Healthy", "a" * 40)
    await settle(follower, promoter, AppEvent(app="staging", kind="status"))
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert promoter.calls == [("staging", "dev", AUTOMATED_PROMOTION)]
    await status(store, "dev", "Synced", "Healthy", "b" * 40)
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert len(promoter.calls) == 2


@pytest.mark.parametrize(
    ("sync", "health"),
    [("OutOfSync", "Healthy"), ("Synced", "Progressing"), ("Synced", "Degraded")],
)
async def test_a_source_not_synced_and_healthy_promotes_nothing(
    store: Store, sync: str, health: str
) -> None:
    promoter = Recording()
    follower = Follower(promoter, store, EventStream())  # type: ignore[arg-type]
    await status(store, "dev", sync, health, "a" * 40)
    await settle(follower, promoter, AppEvent(app="staging", kind="status"))
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert promoter.calls == []


async def test_a_refusal_waits_for_the_next_revision_and_is_published(store: Store) -> None:
    promoter = Recording()
    events = EventStream()
    follower = Follower(promoter, store, events)  # type: ignore[arg-type]
    promoter.failures.append(PromotionRefusedError("latest is not a semantic version tag"))
    await status(store, "dev", "Synced", "Healthy", "a" * 40)
    with events.subscribe() as watching:
        await settle(follower, promoter, AppEvent(app="staging", kind="status"))
        published = await watching.next(within=1)
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert len(promoter.calls) == 1
    assert (published.app, published.kind) == ("staging", "promotion")
    assert "refused: latest is not a semantic version tag" in published.message
    [entry] = await store.audit.list(target="Application staging")
    assert (entry.actor, entry.details["outcome"]) == (AUTOMATED_PROMOTION, "refused")
    assert "latest is not a semantic version tag" in str(entry.details["message"])


async def test_a_passing_failure_is_tried_again_at_the_next_status_change(store: Store) -> None:
    promoter = Recording()
    follower = Follower(promoter, store, EventStream())  # type: ignore[arg-type]
    promoter.failures.append(GitUnavailableError("could not reach the repository"))
    await status(store, "dev", "Synced", "Healthy", "a" * 40)
    await settle(follower, promoter, AppEvent(app="staging", kind="status"))
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert len(promoter.calls) == 2


async def test_a_target_another_replica_owns_is_left_to_it(store: Store) -> None:
    promoter = Recording()
    owned: set[str] = set()
    follower = Follower(promoter, store, EventStream(), owns=owned.__contains__)  # type: ignore[arg-type]
    await status(store, "dev", "Synced", "Healthy", "a" * 40)
    await settle(follower, promoter, AppEvent(app="staging", kind="status"))
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert promoter.calls == []
    owned.add("staging")  # the app was handed over to this replica
    await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert promoter.calls == [("staging", "dev", AUTOMATED_PROMOTION)]


async def test_the_follower_remembers_one_revision_per_target_and_forgets_a_deleted_one(
    store: Store,
) -> None:
    promoter = Recording()
    follower = Follower(promoter, store, EventStream())  # type: ignore[arg-type]
    await settle(follower, promoter, AppEvent(app="staging", kind="status"))
    for revision in ("a", "b", "c", "d"):
        await status(store, "dev", "Synced", "Healthy", revision * 40)
        await settle(follower, promoter, AppEvent(app="dev", kind="status"))
        await settle(follower, promoter, AppEvent(app="dev", kind="status"))
    assert len(promoter.calls) == 4  # once per revision
    assert follower._done == {"staging": ("dev", "d" * 40)}  # not one entry per revision
    await settle(follower, promoter, AppEvent(app="staging", kind="deleted"))
    assert follower._done == {}


async def test_apps_are_read_through_the_reader_it_is_given(store: Store) -> None:
    """A server hands the follower its controller's cached reads: a status event then reads
    nothing from the database (each did, costing a read per stored status)."""
    promoter = Recording()
    asked: list[str] = []

    async def cached(name: str) -> Any:
        asked.append(name)
        return await store.apps.get(name)

    follower = Follower(promoter, store, EventStream(), read_app=cached)  # type: ignore[arg-type]
    await status(store, "dev", "Synced", "Healthy", "a" * 40)
    await settle(follower, promoter, AppEvent(app="staging", kind="status"))
    assert asked == ["staging", "dev"]
    assert promoter.calls == [("staging", "dev", AUTOMATED_PROMOTION)]
