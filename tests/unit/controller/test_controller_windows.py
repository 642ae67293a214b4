"""Sync windows as the controller applies them: the gate in front of automated syncs, the refusal
of a person's sync naming the window, and a held child as its parent sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from controller_builders import T0, application, record

from gitward.controller.appobjects import application_object, child_health
from gitward.controller.conditions import SYNC_WINDOW_BLOCKED
from gitward.controller.windows import automated_gate, check_manual
from gitward.errors import SyncWindowError
from gitward.health import HealthStatus
from gitward.model.application import parse_application
from gitward.model.project import AppProject, parse_project

NIGHT = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
OFFICE = {"kind": "allow", "schedule": "0 9 * * 1-5", "duration": "8h", "namespaces": ["dev"]}
NIGHTS = {"kind": "deny", "schedule": "0 22 * * *", "duration": "8h", "applications": ["*"]}


def prod(*windows: dict[str, Any]) -> AppProject:
    document = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "prod"},
        "spec": {"syncWindows": list(windows)},
    }
    return parse_project(document, file="projects.yaml").value


APP = parse_application(application("shop")).value


def test_an_open_deny_window_closes_the_gate_until_it_ends() -> None:
    gate = automated_gate(prod(OFFICE, NIGHTS), APP, NIGHT)
    assert not gate.open
    assert gate.reason.startswith("automated sync blocked by sync window of project 'prod': ")
    assert 'deny window "0 22 * * *" for 8h (UTC) is open until 2026-01-06 06:00 UTC' in gate.reason
    assert gate.until == datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def test_the_gate_is_open_outside_the_windows_and_without_a_project() -> None:
    assert automated_gate(prod(OFFICE, NIGHTS), APP, NOON).open
    assert automated_gate(None, APP, NIGHT).open


def test_a_persons_sync_is_refused_naming_the_window_and_when_to_come_back() -> None:
    with pytest.raises(SyncWindowError) as caught:
        check_manual(prod(OFFICE, NIGHTS), APP, NIGHT)
    error = caught.value
    assert error.message.startswith(
        "projects.yaml: AppProject prod: spec.syncWindows[1]: cannot sync Application shop: "
        'blocked by sync window: deny window "0 22 * * *" for 8h (UTC) is open until '
        "2026-01-06 06:00 UTC (manualSync is off: manual syncs are blocked too)"
    )
    assert "set `manualSync: true` on the window" in error.message
    assert error.until == datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def test_a_rollback_is_refused_in_its_own_words() -> None:
    with pytest.raises(SyncWindowError, match="cannot rollback Application shop"):
        check_manual(prod(NIGHTS), APP, NIGHT, what="rollback")


def test_manual_sync_windows_and_dry_runs_let_a_person_through() -> None:
    check_manual(prod({**NIGHTS, "manualSync": True}), APP, NIGHT)
    check_manual(prod(NIGHTS), APP, NIGHT, dry_run=True)
    check_manual(prod(NIGHTS), APP, NOON)


def held(at: datetime, *, sync: str = "OutOfSync", health: str = "Missing") -> dict[str, Any]:
    condition = {"type": SYNC_WINDOW_BLOCKED, "message": "automated sync blocked by sync window"}
    stored = record(
        application("prod-shop"),
        sync=sync,
        health=health,
        reconciled_at=at,
        conditions=(condition,),
    )
    return application_object(stored)


def test_an_automated_child_held_by_a_window_does_not_hold_its_parent_back() -> None:
    verdict = child_health(held(T0), expected_revision="2" * 40, applied_at=T0 - timedelta(1))
    assert verdict.status is HealthStatus.HEALTHY
    assert verdict.message == "held by a sync window: OutOfSync, waiting for the window"


def test_a_held_child_not_yet_reconciled_since_the_parent_applied_it_is_progressing() -> None:
    verdict = child_health(held(T0), expected_revision="2" * 40, applied_at=T0 + timedelta(1))
    assert verdict.status is HealthStatus.PROGRESSING
