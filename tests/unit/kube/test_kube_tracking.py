"""Tracking ids as Argo CD 3 writes them: stamping, reading the owner app, telling copies apart."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.kube.tracking import LABEL_MAX_LENGTH, Tracking, TrackingId, is_copy, owning_app, stamp
from gitward.model.annotations import TRACKING_ID, TRACKING_LABEL


def obj(kind: str = "Deployment", api: str = "apps/v1", name: str = "web", ns: str = "prod") -> Any:
    metadata: dict[str, Any] = {"name": name}
    if ns:
        metadata["namespace"] = ns
    return {"apiVersion": api, "kind": kind, "metadata": metadata}


def test_a_stamped_object_carries_argo_cds_tracking_id_and_reads_back_its_app():
    stamped = stamp(obj(), "guestbook")

    assert stamped["metadata"]["annotations"][TRACKING_ID] == "guestbook:apps/Deployment:prod/web"
    assert owning_app(stamped) == "guestbook"


def test_stamping_leaves_the_desired_object_untouched():
    desired = obj()
    desired["metadata"]["annotations"] = {"team": "a"}

    stamped = stamp(desired, "guestbook")

    assert desired["metadata"]["annotations"] == {"team": "a"}
    assert stamped["metadata"]["annotations"]["team"] == "a"


def test_a_core_kind_has_an_empty_group_in_its_id():
    stamped = stamp(obj("ConfigMap", "v1", "cfg"), "app")

    assert stamped["metadata"]["annotations"][TRACKING_ID] == "app:/ConfigMap:prod/cfg"


def test_a_tracking_id_copied_onto_another_object_is_a_copy_and_belongs_to_no_app():
    original = stamp(obj(name="web"), "guestbook")
    copied = obj(name="web-copy")
    copied["metadata"]["annotations"] = dict(original["metadata"]["annotations"])

    assert owning_app(copied) is None
    assert is_copy(copied)
    assert not is_copy(original)


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "StatefulSet"), ("apiVersion", "batch/v1"), ("namespace", "staging")],
)
def test_any_difference_of_identity_makes_a_copy(field: str, value: str):
    live = stamp(obj(), "guestbook")
    if field == "namespace":
        live["metadata"]["namespace"] = value
    else:
        live[field] = value

    assert owning_app(live) is None


def test_a_cluster_scoped_object_may_carry_any_namespace_in_its_id():
    role = obj("ClusterRole", "rbac.authorization.k8s.io/v1", "reader", ns="")
    role["metadata"]["annotations"] = {
        TRACKING_ID: "guestbook:rbac.authorization.k8s.io/ClusterRole:prod/reader"
    }

    assert owning_app(role) == "guestbook"


@pytest.mark.parametrize(
    "value", ["", "guestbook", "guestbook:apps/Deployment", "a:b:c:d", ":apps/Deployment:x/y"]
)
def test_a_malformed_tracking_id_belongs_to_no_app(value: str):
    live = obj()
    live["metadata"]["annotations"] = {TRACKING_ID: value}

    assert owning_app(live) is None
    assert TrackingId.parse(value) is None


def test_an_unmarked_object_belongs_to_no_app_and_is_no_copy():
    assert owning_app(obj()) is None
    assert not is_copy(obj())


def test_the_annotation_key_can_be_configured():
    tracking = Tracking(annotation_key="example.com/owner")
    stamped = stamp(obj(), "guestbook", tracking)

    assert "example.com/owner" in stamped["metadata"]["annotations"]
    assert owning_app(stamped, tracking) == "guestbook"
    assert owning_app(stamped) is None


def test_label_tracking_marks_and_reads_the_instance_label_and_cannot_see_copies():
    tracking = Tracking(method="label")
    stamped = stamp(obj(), "guestbook", tracking)
    copied = obj(name="other")
    copied["metadata"]["labels"] = dict(stamped["metadata"]["labels"])

    assert stamped["metadata"]["labels"] == {TRACKING_LABEL: "guestbook"}
    assert "annotations" not in stamped["metadata"]
    assert owning_app(copied, tracking) == "guestbook"
    assert not is_copy(copied, tracking)


def test_annotation_and_label_tracking_writes_both_and_trusts_only_the_annotation():
    tracking = Tracking(method="annotation+label")
    long_name = "a" * 80

    stamped = stamp(obj(), long_name, tracking)

    assert stamped["metadata"]["labels"][TRACKING_LABEL] == "a" * LABEL_MAX_LENGTH
    assert owning_app(stamped, tracking) == long_name


def test_a_parsed_id_prints_as_it_was_written():
    text = "guestbook:apps/Deployment:prod/web"

    parsed = TrackingId.parse(text)

    assert parsed == TrackingId("guestbook", "apps", "Deployment", "prod", "web")
    assert str(parsed) == text
