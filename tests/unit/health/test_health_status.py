"""Health statuses are ordered as Argo CD orders them, and the worst one wins."""

from __future__ import annotations

import dataclasses

import pytest

from gitward.health import Health, HealthStatus, is_worse
from gitward.health.status import worst


def test_statuses_are_ordered_from_most_to_least_healthy():
    assert sorted(HealthStatus, reverse=True) == [
        HealthStatus.UNKNOWN,
        HealthStatus.DEGRADED,
        HealthStatus.MISSING,
        HealthStatus.PROGRESSING,
        HealthStatus.SUSPENDED,
        HealthStatus.HEALTHY,
    ]


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        (HealthStatus.HEALTHY, HealthStatus.PROGRESSING, True),
        (HealthStatus.PROGRESSING, HealthStatus.HEALTHY, False),
        (HealthStatus.MISSING, HealthStatus.DEGRADED, True),
        (HealthStatus.DEGRADED, HealthStatus.DEGRADED, False),
        (HealthStatus.DEGRADED, HealthStatus.UNKNOWN, True),
        (HealthStatus.SUSPENDED, HealthStatus.HEALTHY, False),
    ],
)
def test_is_worse_compares_by_that_order(current, new, expected):
    assert is_worse(current, new) is expected


def test_the_worst_verdict_is_the_first_of_the_worst_status():
    first = Health(HealthStatus.DEGRADED, "first")
    verdicts = [Health(HealthStatus.HEALTHY), first, Health(HealthStatus.DEGRADED, "second")]

    assert worst(verdicts) is first


def test_statuses_parse_only_argo_cd_names():
    assert HealthStatus.parse("Suspended") is HealthStatus.SUSPENDED
    assert HealthStatus.parse("healthy") is None


def test_a_verdict_is_frozen_and_reads_as_status_and_message():
    health = Health(HealthStatus.PROGRESSING, "Waiting")

    with pytest.raises(dataclasses.FrozenInstanceError):
        health.status = HealthStatus.HEALTHY  # type: ignore[misc]
    assert str(health) == "Progressing: Waiting"
