"""A child Application is Healthy for its parent only when its verdict is fresh."""

from __future__ import annotations

from datetime import UTC, datetime

from health_builders import application

from gitward.health import Health, HealthCustomizations, HealthStatus, assess


def test_a_healthy_child_at_an_older_revision_is_progressing_naming_both_revisions():
    health = assess(application(revision="aaaa111"), expected_revision="bbbb222")

    assert health.status is HealthStatus.PROGRESSING
    assert "bbbb222" in health.message
    assert "aaaa111" in health.message


def test_a_degraded_child_at_the_expected_revision_is_degraded():
    health = assess(application(health="Degraded", revision="bbbb222"), expected_revision="bbbb222")

    assert health == Health(HealthStatus.DEGRADED, "Application is Degraded")


def test_a_fresh_synced_healthy_child_is_healthy():
    assert assess(application(revision="bbbb222"), expected_revision="bbbb222") == Health(
        HealthStatus.HEALTHY
    )


def test_a_child_with_no_status_waits_whatever_revision_is_expected():
    health = assess(application(health=None), expected_revision="bbbb222")

    assert health == Health(
        HealthStatus.PROGRESSING, "Waiting for the application to be reconciled"
    )


def test_a_child_reconciled_before_its_parent_applied_it_is_stale():
    child = application(revision="bbbb222", reconciled_at="2026-03-01T10:00:00Z")
    applied = datetime(2026, 3, 1, 10, 0, 5, tzinfo=UTC)

    health = assess(child, expected_revision="bbbb222", applied_at=applied)

    assert health == Health(
        HealthStatus.PROGRESSING,
        "Waiting for the application to be reconciled after it was applied at "
        "2026-03-01T10:00:05+00:00: last reconciled 2026-03-01T10:00:00Z",
    )


def test_a_child_reconciled_after_its_parent_applied_it_is_fresh():
    child = application(revision="bbbb222", reconciled_at="2026-03-01T10:00:09Z")
    applied = datetime(2026, 3, 1, 10, 0, 5, tzinfo=UTC)

    assert assess(child, expected_revision="bbbb222", applied_at=applied).status is (
        HealthStatus.HEALTHY
    )


def test_a_lua_customization_for_applications_does_not_switch_off_the_freshness_guard():
    custom = HealthCustomizations.from_config(
        {"resource.customizations.health.argoproj.io_Application": 'return {status="Healthy"}'}
    )

    health = assess(application(revision="aaaa111"), expected_revision="b", customizations=custom)

    assert health.status is HealthStatus.PROGRESSING


def test_fields_the_controller_adds_to_compared_to_do_not_make_the_status_stale():
    child = application(revision="bbbb222")
    child["spec"]["destination"] = {"name": "in-cluster", "namespace": "api"}
    child["status"]["sync"]["comparedTo"] = {
        "source": {**child["spec"]["source"], "targetRevision": ""},
        "destination": {"name": "in-cluster", "namespace": "api", "server": "https://k8s"},
    }

    assert assess(child, expected_revision="bbbb222") == Health(HealthStatus.HEALTHY)


def test_a_changed_destination_makes_the_status_stale():
    child = application(revision="bbbb222")
    child["spec"]["destination"] = {"name": "in-cluster", "namespace": "api-v2"}
    child["status"]["sync"]["comparedTo"] = {
        "source": child["spec"]["source"],
        "destination": {"name": "in-cluster", "namespace": "api"},
    }

    health = assess(child, expected_revision="bbbb222")

    assert health == Health(
        HealthStatus.PROGRESSING,
        "Waiting for the application to compare its new spec: "
        "status.sync.comparedTo.destination describes an older spec",
    )
