"""Conditions: one per kind, times kept while unchanged, credentials scrubbed."""

from __future__ import annotations

from datetime import timedelta

from controller_builders import T0

from gitward.controller.conditions import COMPARISON_ERROR, SYNC_ERROR, Conditions


def test_an_unchanged_condition_keeps_the_time_it_first_appeared() -> None:
    first = Conditions((), T0)
    first.set(COMPARISON_ERROR, "git is unreachable")
    later = Conditions(first.result(), T0 + timedelta(minutes=5))
    later.set(COMPARISON_ERROR, "git is unreachable")
    later.set(SYNC_ERROR, "Failed sync attempt")
    found = {c["type"]: c["lastTransitionTime"] for c in later.result()}
    assert found == {
        COMPARISON_ERROR: T0.isoformat(),
        SYNC_ERROR: (T0 + timedelta(minutes=5)).isoformat(),
    }


def test_credentials_never_reach_a_stored_message() -> None:
    conditions = Conditions((), T0)
    conditions.set(COMPARISON_ERROR, "git ls-remote failed on https://bot:s3cr3t@git.example/r.git")
    [condition] = conditions.result()
    assert "s3cr3t" not in condition["message"]
    assert "******@git.example" in condition["message"]


def test_keep_carries_the_other_previous_conditions_over() -> None:
    previous = Conditions((), T0)
    previous.set(SYNC_ERROR, "Failed sync attempt")
    previous.set(COMPARISON_ERROR, "old")
    now = Conditions(previous.result(), T0)
    now.set(COMPARISON_ERROR, "new")
    now.keep(besides=COMPARISON_ERROR)
    assert {c["type"]: c["message"] for c in now.result()} == {
        COMPARISON_ERROR: "new",
        SYNC_ERROR: "Failed sync attempt",
    }
