"""The controller's event stream: fan-out, bounded queues, waiting for an event."""

from __future__ import annotations

import pytest

from gitward.controller.events import AppEvent, EventStream


def status(app: str, sync: str = "Synced") -> AppEvent:
    return AppEvent(app=app, kind="status", sync_status=sync)


async def test_every_subscriber_gets_every_event_in_order() -> None:
    stream = EventStream()
    one, two = stream.subscribe(), stream.subscribe()
    stream.publish(status("dev"))
    stream.publish(status("prod", "OutOfSync"))
    for subscription in (one, two):
        assert [(await subscription.next(within=1)).app for _ in range(2)] == ["dev", "prod"]


async def test_a_slow_subscriber_loses_its_oldest_events_and_is_told() -> None:
    stream = EventStream()
    slow = stream.subscribe(size=2)
    for name in ("a", "b", "c"):
        stream.publish(status(name))
    assert slow.dropped == 1
    assert [(await slow.next(within=1)).app for _ in range(2)] == ["b", "c"]


async def test_wait_for_skips_events_until_one_matches() -> None:
    stream = EventStream()
    subscription = stream.subscribe()
    stream.publish(status("dev", "OutOfSync"))
    stream.publish(status("dev", "Synced"))
    found = await subscription.wait_for(lambda e: e.sync_status == "Synced", within=1)
    assert found.sync_status == "Synced"


async def test_waiting_is_bounded_and_a_closed_subscription_hears_nothing() -> None:
    stream = EventStream()
    with stream.subscribe() as subscription, pytest.raises(TimeoutError):
        await subscription.next(within=0.01)
    stream.publish(status("dev"))
    with pytest.raises(TimeoutError):
        await subscription.next(within=0)
