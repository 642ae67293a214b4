"""The controller's public surface: what transports (CLI, API) may rely on."""

from __future__ import annotations

import inspect

from gitward.controller import deciding, events, loop


def test_the_controller_offers_its_commands() -> None:
    expected = {
        "start",
        "run",
        "stop",
        "bootstrap",
        "refresh",
        "repository_changed",
        "sync",
        "rollback",
        "terminate",
        "delete",
    }
    offered = {name for name, _ in inspect.getmembers(loop.Controller) if not name.startswith("_")}
    assert expected <= offered
    assert loop.__all__ == ["Controller"]


def test_decisions_and_events_are_public_values() -> None:
    assert set(deciding.__all__) >= {"decide", "Idle", "Sync", "Wait", "Comparison", "LastSync"}
    assert set(events.__all__) == {
        "AppEvent",
        "EventKind",
        "EventStream",
        "Subscription",
        "status_event",
    }


def test_commands_that_change_things_say_who_asked() -> None:
    for name in ("sync", "rollback", "terminate", "delete"):
        parameters = inspect.signature(getattr(loop.Controller, name)).parameters
        assert parameters["initiated_by"].kind is inspect.Parameter.KEYWORD_ONLY
