"""An app is as unhealthy as its worst resource, hooks and ignored resources aside."""

from __future__ import annotations

from health_builders import application, deployment, hook_job, pvc

from gitward.health import Health, HealthStatus, ManagedResource, aggregate, assess
from gitward.model.objects import ResourceKey


def live(obj):
    return ManagedResource.of(desired=obj, live=obj)


def missing(obj):
    return ManagedResource.of(desired=obj)


def test_the_worst_resource_decides_and_the_message_counts_and_names_it():
    health = aggregate(
        [live(deployment("a")), live(deployment("b", available=1)), live(pvc(phase="Pending"))]
    )

    assert health == Health(
        HealthStatus.PROGRESSING,
        "2 of 3 resources are Progressing: apps/Deployment shop/b: "
        "Waiting for rollout to finish: 1 of 3 updated replicas are available",
    )


def test_a_degraded_resource_outranks_progressing_ones():
    health = aggregate([live(deployment("a", available=1)), live(pvc(phase="Lost"))])

    assert health.status is HealthStatus.DEGRADED
    assert health.message == (
        "1 of 2 resources is Degraded: PersistentVolumeClaim shop/data: "
        "The claim has lost its volume"
    )


def test_hooks_do_not_count_whether_argo_cd_or_helm_hooks():
    health = aggregate(
        [
            live(deployment()),
            live(hook_job("a")),
            live(hook_job("b", helm=True)),
            missing(hook_job("c")),
        ]
    )

    assert health == Health(HealthStatus.HEALTHY)


def test_a_resource_with_the_ignore_annotation_does_not_count():
    ignored = deployment("a", available=0, **{"argocd.argoproj.io/ignore-healthcheck": "true"})

    assert aggregate([live(deployment("b")), live(ignored)]) == Health(HealthStatus.HEALTHY)


def test_the_app_is_missing_only_when_every_resource_is_missing():
    health = aggregate([missing(deployment("a")), missing(pvc())])

    assert health == Health(HealthStatus.MISSING, "All 2 resources are missing")


def test_some_missing_resources_leave_the_app_healthy_but_are_counted_in_the_message():
    health = aggregate([live(deployment("a")), missing(deployment("b"))])

    assert health == Health(HealthStatus.HEALTHY, "1 of 2 resources is missing and not created yet")


def test_a_missing_resource_does_not_hide_a_degraded_one():
    health = aggregate([missing(deployment("a")), live(pvc(phase="Lost"))])

    assert health.status is HealthStatus.DEGRADED


def test_an_app_without_resources_is_healthy():
    assert aggregate([]) == Health(HealthStatus.HEALTHY)


def test_a_verdict_given_by_the_caller_is_used_as_it_is():
    child = application(revision="aaaa111")
    judged = assess(child, expected_revision="bbbb222")

    health = aggregate([live(deployment()), ManagedResource.of(live=child, health=judged)])

    assert health.status is HealthStatus.PROGRESSING
    assert "revision bbbb222" in health.message


def test_an_app_that_manages_its_own_application_object_ignores_it():
    itself = application("root", health="Degraded")

    health = aggregate([live(itself), live(deployment())], app=ResourceKey.of(itself))

    assert health == Health(HealthStatus.HEALTHY)
