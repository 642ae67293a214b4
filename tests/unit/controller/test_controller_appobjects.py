"""Child apps as their parent sees them: objects made from the store, and fresh health."""

from __future__ import annotations

from datetime import timedelta

from controller_builders import SHA1, SHA2, T0, application, operation, record

from gitward.controller.appobjects import application_object, child_health
from gitward.health import HealthStatus
from gitward.store import OperationPhase


def test_the_object_carries_the_document_and_the_controllers_status() -> None:
    obj = application_object(record(application("dev", wave=1)))
    assert obj["spec"]["destination"]["namespace"] == "dev"
    assert obj["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
    assert obj["metadata"]["uid"] and obj["metadata"]["resourceVersion"] == "3"
    assert obj["status"]["sync"] == {"status": "Synced", "revision": SHA1}
    assert obj["status"]["health"]["status"] == "Healthy"
    assert obj["status"]["reconciledAt"] == T0.isoformat()


def test_a_never_reconciled_app_has_no_health_yet() -> None:
    obj = application_object(record(application("dev"), reconciled_at=None))
    assert "health" not in obj["status"]
    assert child_health(obj).status is HealthStatus.PROGRESSING


def test_an_old_failed_operation_says_nothing_about_a_newer_revision() -> None:
    failed = operation("dev", OperationPhase.FAILED, (SHA1,), "hook failed")
    current = record(application("dev"), sync="OutOfSync", revisions=(SHA2,))
    assert "operationState" not in application_object(current, failed)["status"]
    at_it = record(application("dev"), sync="OutOfSync", revisions=(SHA1,))
    assert application_object(at_it, failed)["status"]["operationState"]["phase"] == "Failed"


def test_an_automated_child_is_healthy_only_fresh_and_synced_at_the_expected_commit() -> None:
    obj = application_object(record(application("dev")))
    applied = T0 - timedelta(seconds=1)
    assert child_health(obj, expected_revision=SHA1, applied_at=applied).status is (
        HealthStatus.HEALTHY
    )
    stale = child_health(obj, expected_revision=SHA1, applied_at=T0 + timedelta(seconds=1))
    assert stale.status is HealthStatus.PROGRESSING
    elsewhere = child_health(obj, expected_revision=SHA2, applied_at=applied)
    assert elsewhere.status is HealthStatus.PROGRESSING
    assert SHA2 in elsewhere.message


def test_an_automated_child_whose_sync_failed_at_the_commit_is_degraded() -> None:
    failed = operation("dev", OperationPhase.FAILED, (SHA2,), "one or more tasks failed")
    current = record(application("dev"), sync="OutOfSync", revisions=(SHA2,))
    verdict = child_health(application_object(current, failed), expected_revision=SHA2)
    assert verdict.status is HealthStatus.DEGRADED
    assert "one or more tasks failed" in verdict.message


def test_a_manual_child_with_nothing_deployed_does_not_hold_its_parent_back() -> None:
    manual = record(application("prod", automated=False), sync="OutOfSync", health="Missing")
    verdict = child_health(application_object(manual), applied_at=T0 - timedelta(seconds=1))
    assert verdict.status is HealthStatus.HEALTHY
    assert "waiting for a sync request" in verdict.message
    early = child_health(application_object(manual), applied_at=T0 + timedelta(seconds=1))
    assert early.status is HealthStatus.PROGRESSING


def test_a_manual_child_reporting_degraded_stays_degraded() -> None:
    broken = record(application("prod", automated=False), health="Degraded")
    assert child_health(application_object(broken)).status is HealthStatus.DEGRADED


def test_a_multi_source_child_shows_one_commit_per_source_as_argo_cd_does() -> None:
    document = application("dev")
    source = document["spec"].pop("source")
    document["spec"]["sources"] = [source, {"repoURL": source["repoURL"], "ref": "values"}]
    synced = operation("dev", OperationPhase.SUCCEEDED, (SHA1, SHA2), "")
    obj = application_object(record(document, revisions=(SHA1, SHA2)), synced)
    assert obj["status"]["sync"] == {"status": "Synced", "revisions": [SHA1, SHA2]}
    assert obj["status"]["operationState"]["syncResult"] == {"revisions": [SHA1, SHA2]}

    single = application_object(
        record(application("dev")), operation("dev", OperationPhase.SUCCEEDED, (SHA1,), "")
    )
    assert single["status"]["operationState"]["syncResult"] == {"revision": SHA1}
    document["spec"]["sources"] = []  # an empty list is not multi-source
    document["spec"]["source"] = source
    assert application_object(record(document))["status"]["sync"] == {
        "status": "Synced",
        "revision": SHA1,
    }
