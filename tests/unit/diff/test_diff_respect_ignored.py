"""RespectIgnoreDifferences: what sync applies keeps the live value of every ignored field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitward import diff
from gitward.diff import JqWorker
from gitward.errors import ConfigError
from gitward.model.application import IgnoreDifference


@pytest.fixture
def worker() -> Iterator[JqWorker]:
    runner = JqWorker()
    yield runner
    runner.close()


def deployment(*containers: dict[str, Any], replicas: int = 2, **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "dev", **metadata},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": list(containers)}}},
    }


def test_replicas_owned_by_the_autoscaler_keep_their_live_value(worker: JqWorker) -> None:
    live = deployment(
        {"name": "web", "image": "nginx:1.27"},
        replicas=7,
        managedFields=[
            {"manager": "kube-controller-manager", "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ],
    )
    desired = deployment({"name": "web", "image": "nginx:1.28"}, replicas=2)
    rule = IgnoreDifference(
        kind="Deployment", group="apps", managed_fields_managers=("kube-controller-manager",)
    )

    applied = diff.respect_ignored(desired, live, [rule], jq=worker)

    assert applied["spec"]["replicas"] == 7
    assert applied["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert desired["spec"]["replicas"] == 2


def test_a_container_picked_by_jq_is_found_by_name_in_the_desired_object(worker: JqWorker) -> None:
    live = deployment(
        {"name": "istio-proxy", "image": "istio/proxyv2:1.22.0"},
        {"name": "web", "image": "nginx:1.26"},
    )
    desired = deployment({"name": "web", "image": "nginx:1.28"})
    rule = IgnoreDifference(
        kind="Deployment",
        group="apps",
        jq_path_expressions=('.spec.template.spec.containers[] | select(.name == "web") | .image',),
    )

    applied = diff.respect_ignored(desired, live, [rule], jq=worker)

    assert applied["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "nginx:1.26"}
    ]


def test_an_ignored_field_live_lacks_is_left_out_of_what_is_applied(worker: JqWorker) -> None:
    live = deployment({"name": "web", "image": "nginx:1.27"})
    desired = deployment({"name": "web", "image": "nginx:1.27"}, annotations={"build": "101"})
    rule = IgnoreDifference(
        kind="Deployment", group="apps", json_pointers=("/metadata/annotations",)
    )

    applied = diff.respect_ignored(desired, live, [rule], jq=worker)

    assert "annotations" not in applied["metadata"]


def test_without_a_matching_rule_the_desired_object_is_applied_as_it_is(worker: JqWorker) -> None:
    desired = deployment({"name": "web", "image": "nginx:1.28"})
    rule = IgnoreDifference(kind="StatefulSet", group="apps", json_pointers=("/spec/replicas",))

    applied = diff.respect_ignored(desired, deployment(replicas=9), [rule], jq=worker)

    assert applied == desired
    assert applied is not desired


def test_a_bad_rule_is_a_configuration_error_naming_it(worker: JqWorker) -> None:
    rule = IgnoreDifference(kind="Deployment", group="apps", json_pointers=("spec/replicas",))

    with pytest.raises(ConfigError) as caught:
        diff.respect_ignored(deployment(), deployment(replicas=9), [rule], jq=worker)

    assert "ignoreDifferences[0].jsonPointers[0]" in caught.value.message
