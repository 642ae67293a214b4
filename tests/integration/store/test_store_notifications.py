"""``store.notifications``: a notification is stored pending once per key, delivered or failed
for good, forgotten only when delivered (a pending one survives), and forgotten with its app;
attempts are counted before they are made; pruning forgets old and orphaned records but never
a pending one nor one refreshed because its condition still holds."""

from __future__ import annotations

from datetime import timedelta

from store_builders import TickingClock

from gitward.store import Store
from gitward.store.notifications import PendingNotification


def pending(key: str, app: str = "web") -> PendingNotification:
    return PendingNotification(
        key=key,
        app=app,
        trigger="on-sync-succeeded",
        service="hooks",
        recipient="",
        payload={"rendered": {"app-sync-succeeded": {"message": f"synced {key}"}}},
    )


async def test_a_key_is_stored_once_and_delivered_once(store: Store) -> None:
    await store.notifications.record([pending("a"), pending("b")])
    await store.notifications.record([pending("a")])

    first = [item.key for item in await store.notifications.pending()]
    await store.notifications.finish("a", delivered=True, attempts=1)
    await store.notifications.finish("b", delivered=False, attempts=3, error="503")
    rows = {item.key: item for item in await store.notifications.list("web")}

    assert first == ["a", "b"]
    assert await store.notifications.pending() == []
    assert (rows["a"].state, rows["b"].state, rows["b"].error) == ("sent", "failed", "503")
    assert rows["a"].payload["rendered"]["app-sync-succeeded"]["message"] == "synced a"
    assert await store.notifications.known(["a", "b", "c"]) == {"a", "b"}


async def test_a_pending_notification_is_never_forgotten_before_delivery(store: Store) -> None:
    await store.notifications.record([pending("sent"), pending("waiting")])
    await store.notifications.finish("sent", delivered=True, attempts=1)

    await store.notifications.record([], forgotten=["sent", "waiting"])

    assert await store.notifications.known(["sent", "waiting"]) == {"waiting"}


async def test_a_deleted_apps_delivered_notifications_are_forgotten(store: Store) -> None:
    await store.notifications.record([pending("web-1"), pending("api-1", app="api")])
    await store.notifications.finish("web-1", delivered=True, attempts=1)
    await store.notifications.finish("api-1", delivered=True, attempts=1)

    await store.notifications.forget_app("web")

    assert [item.key for item in await store.notifications.list()] == ["api-1"]


async def test_attempts_are_counted_before_they_are_made(store: Store) -> None:
    await store.notifications.record([pending("a")])

    counts = [await store.notifications.attempting("a") for _ in range(3)]

    assert counts == [1, 2, 3]
    assert [item.attempts for item in await store.notifications.pending()] == [3]


async def test_pruning_keeps_pending_current_and_live_records(
    store: Store, clock: TickingClock
) -> None:
    await store.notifications.record(
        [pending("old"), pending("still-holds"), pending("waiting"), pending("of-api", app="api")]
    )
    for key in ("old", "still-holds", "of-api"):
        await store.notifications.finish(key, delivered=True, attempts=1)
    await store.notifications.remember("memo", app="web", service="slack", value={"ts": "1.0"})
    clock.now += timedelta(days=40)
    await store.notifications.refresh(["still-holds", "waiting"], timedelta(days=1))

    removed = await store.notifications.prune(timedelta(days=30), gone=["api"])

    assert removed == 3  # "old", the memo, and everything finished about the deleted "api"
    assert await store.notifications.known(["old", "still-holds", "waiting", "of-api"]) == {
        "still-holds",
        "waiting",
    }
    assert await store.notifications.recall("memo") is None
    assert await store.notifications.apps() == {"web"}


async def test_a_fresh_record_is_not_refreshed(store: Store) -> None:
    await store.notifications.record([pending("a")])
    await store.notifications.finish("a", delivered=True, attempts=1)

    assert await store.notifications.refresh(["a"], timedelta(days=1)) == 0
