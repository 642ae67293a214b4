"""The stored operation: a JSON round trip, damaged input refused, retries' backoff."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import gitward.sync
from gitward.errors import ManifestError
from gitward.model.application import Backoff, Retry
from gitward.model.objects import ResourceKey
from gitward.sync import (
    OperationPhase,
    ResourceResult,
    ResultCode,
    SyncOperation,
    SyncPhase,
    SyncRequest,
    TaskStatus,
    retry_delay,
)
from gitward.sync.state import WaveMark

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def operation() -> SyncOperation:
    request = SyncRequest(
        revision="abc123",
        prune=True,
        resources=frozenset({ResourceKey("apps", "Deployment", "dev", "web")}),
        sync_options=("CreateNamespace=true",),
        retry=Retry(limit=3, backoff=Backoff(duration_s=1.5, factor=3, max_duration_s=60)),
        wave_timeout_s=30,
    )
    started = SyncOperation.start(request, now=NOW, operation_id="op1")
    result = ResourceResult(
        key=ResourceKey("apps", "Deployment", "dev", "web"),
        phase=SyncPhase.SYNC,
        wave=2,
        status=TaskStatus.RUNNING,
        code=ResultCode.CONFIGURED,
        message="configured; Progressing",
        api_version="apps/v1",
        uid="u-1",
        order=1,
    )
    return SyncOperation(
        id=started.id,
        request=started.request,
        started_at=NOW,
        message="waiting",
        results=(result,),
        retry_count=1,
        wake_at=NOW,
        validated=True,
        mark=WaveMark(1, 2, NOW),
    )


def test_an_operation_survives_a_json_round_trip_unchanged():
    original = operation()

    stored = json.loads(json.dumps(original.to_dict()))

    assert SyncOperation.from_dict(stored) == original


def test_a_new_operation_is_running_with_a_random_id():
    first = SyncOperation.start(SyncRequest(), now=NOW)
    second = SyncOperation.start(SyncRequest(), now=NOW)

    assert first.phase is OperationPhase.RUNNING
    assert first.id != second.id
    assert not first.completed


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda d: d.update(phase="Sleeping"), "phase"),
        (lambda d: d.update(startedAt="yesterday"), "startedAt"),
        (lambda d: d["results"][0].update(status="asleep"), "results[0].status"),
        (lambda d: d["results"][0].update(wave="2"), "results[0].wave"),
        (lambda d: d["request"].update(prune="yes"), "request.prune"),
        (lambda d: d.update(retryCount=-1), "retryCount"),
    ],
)
def test_a_damaged_stored_operation_is_refused_naming_the_field(damage, field):
    data = operation().to_dict()
    damage(data)

    with pytest.raises(ManifestError) as caught:
        SyncOperation.from_dict(data)

    assert field in caught.value.message
    assert "start a new sync" in caught.value.message


def test_terminate_marks_a_running_operation_and_leaves_a_finished_one_alone():
    running = operation()
    finished = SyncOperation(
        id="x", request=SyncRequest(), started_at=NOW, phase=OperationPhase.SUCCEEDED
    )

    assert running.terminate().phase is OperationPhase.TERMINATING
    assert finished.terminate() is finished


def test_confirming_a_prune_is_recorded_in_the_request():
    assert operation().confirm_prune().request.confirm_prune


@pytest.mark.parametrize(
    ("retries", "seconds"), [(0, 5.0), (1, 10.0), (2, 20.0), (5, 160.0), (6, 180.0), (20, 180.0)]
)
def test_retries_back_off_like_argo_cd(retries, seconds):
    assert retry_delay(Backoff(), retries) == seconds


def test_the_public_surface_is_exactly_the_documented_names():
    missing = [name for name in gitward.sync.__all__ if not hasattr(gitward.sync, name)]
    undocumented = [name for name in gitward.sync.__all__ if name not in gitward.sync.__doc__]

    assert (missing, undocumented) == ([], [])
