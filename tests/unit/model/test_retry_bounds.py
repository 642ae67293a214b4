"""Retry arithmetic stays finite and bounded (issue 11.5): every exponential backoff in gitward
(sync retries, selfHeal, the controller's error backoff, the live cache's watch backoff) for any
number of attempts, and retry policies validated or clamped when the Application is parsed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gitward.controller.deciding import SelfHealBackoff
from gitward.controller.queue import BackoffPolicy
from gitward.errors import ManifestError
from gitward.kube.reflector import Backoff as WatchBackoff
from gitward.model.application import Backoff, parse_application
from gitward.model.backoffs import MAX_RETRY_DELAY_S, capped_exponential
from gitward.sync import retry_delay
from gitward.sync.retrying import next_attempt

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def app_with_retry(retry: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "retrying"},
        "spec": {
            "source": {"repoURL": "https://example.com/r.git", "path": "."},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
            "syncPolicy": {"retry": retry},
        },
    }


@pytest.mark.parametrize("retries", [1024, 1025, 100_000, 10**12])
def test_a_sync_retried_forever_waits_max_duration_and_never_overflows(retries: int) -> None:
    assert retry_delay(Backoff(), retries) == 180.0
    assert next_attempt(NOW, Backoff(), retries) > NOW


@pytest.mark.parametrize("attempts", [1_000, 5_000, 10**9])
def test_every_controller_backoff_is_capped_for_any_number_of_attempts(attempts: int) -> None:
    assert SelfHealBackoff().delay(attempts) == 300.0
    assert BackoffPolicy().delay(attempts) == 300.0
    assert 0 < WatchBackoff(jitter=0).delay(attempts) == 30.0


def test_capped_exponential_matches_the_power_below_the_cap() -> None:
    assert [capped_exponential(5, 2, n, 180) for n in range(7)] == [5, 10, 20, 40, 80, 160, 180]
    assert capped_exponential(5, 1, 10**9, 180) == 5
    assert capped_exponential(0, 2, 10**9, 180) == 0


def test_a_huge_duration_is_lowered_to_a_day_with_a_located_warning() -> None:
    parsed = parse_application(
        app_with_retry({"limit": -1, "backoff": {"duration": "9999999999h"}})
    )

    backoff = parsed.value.sync_policy.retry.backoff  # type: ignore[union-attr]
    assert backoff.duration_s == MAX_RETRY_DELAY_S
    assert any("spec.syncPolicy.retry.backoff.duration" in w for w in parsed.warnings)
    assert next_attempt(NOW, backoff, 10**6) > NOW  # no datetime overflow


def test_a_zero_duration_still_waits_a_second_between_attempts() -> None:
    parsed = parse_application(app_with_retry({"backoff": {"duration": "0", "factor": 1}}))

    backoff = parsed.value.sync_policy.retry.backoff  # type: ignore[union-attr]
    assert backoff.duration_s == 1.0
    assert retry_delay(backoff, 0) == retry_delay(backoff, 100) == 1.0
    assert retry_delay(Backoff(duration_s=0, factor=2, max_duration_s=0), 3) >= 1.0


def test_max_duration_zero_means_no_cap_up_to_a_day() -> None:
    parsed = parse_application(app_with_retry({"backoff": {"maxDuration": "0"}}))

    backoff = parsed.value.sync_policy.retry.backoff  # type: ignore[union-attr]
    assert retry_delay(backoff, 3) == 40.0
    assert retry_delay(backoff, 10**6) == MAX_RETRY_DELAY_S


@pytest.mark.parametrize("factor", [-2, 0])
def test_a_factor_below_one_is_refused_where_it_is_written(factor: int) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_application(app_with_retry({"backoff": {"factor": factor}}), file="apps.yaml")

    assert "spec.syncPolicy.retry.backoff.factor" in str(caught.value)
    assert "apps.yaml" in str(caught.value)
