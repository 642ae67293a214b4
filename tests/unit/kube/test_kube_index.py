"""The live index: slim copies, and indexes by kind, app, uid and owner kept right on updates."""

from __future__ import annotations

from typing import Any

from gitward.kube.index import LAST_APPLIED, LiveIndex, slim
from gitward.kube.tracking import stamp
from gitward.model.objects import ResourceKey


def pod(name: str, uid: str, owner: str = "", rv: str = "1", **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": "prod",
        "uid": uid,
        "resourceVersion": rv,
    }
    if owner:
        metadata["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs", "uid": owner}]
    metadata.update(extra)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "status": {"phase": "Running"}}


def secret(name: str, app: str | None = None) -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": "prod",
            "uid": f"uid-{name}",
            "resourceVersion": "1",
            "managedFields": [{"manager": "gitward", "operation": "Apply"}],
            "annotations": {LAST_APPLIED: "{...}", "team": "a"},
        },
        "data": {"password": "aHVudGVyMg=="},
    }
    return stamp(obj, app) if app else obj


def test_an_untracked_object_keeps_metadata_spec_and_status_but_not_data_or_managed_fields():
    slimmed = slim(secret("db"), tracked=False)

    assert "data" not in slimmed
    assert "managedFields" not in slimmed["metadata"]
    assert slimmed["metadata"]["annotations"] == {"team": "a"}
    assert slimmed["metadata"]["uid"] == "uid-db"


def test_a_tracked_object_gitward_applied_keeps_data_and_managed_fields_not_the_last_applied():
    slimmed = slim(secret("db", app="guestbook"), tracked=True)

    assert slimmed["data"] == {"password": "aHVudGVyMg=="}
    assert slimmed["metadata"]["managedFields"] == [{"manager": "gitward", "operation": "Apply"}]
    assert LAST_APPLIED not in slimmed["metadata"]["annotations"]


def test_a_tracked_object_gitward_never_applied_keeps_its_last_applied_record():
    adopted = secret("db", app="guestbook")
    adopted["metadata"]["managedFields"] = [
        {"manager": "kubectl-client-side-apply", "operation": "Update"},
        {"manager": "gitward", "operation": "Update"},
    ]

    slimmed = slim(adopted, tracked=True)

    assert slimmed["metadata"]["annotations"][LAST_APPLIED] == "{...}"


def test_slimming_copies_and_never_changes_the_object_it_is_given():
    original = secret("db")

    slim(original, tracked=False)

    assert original["data"] and original["metadata"]["managedFields"]
    assert LAST_APPLIED in original["metadata"]["annotations"]


def test_objects_are_found_by_key_uid_app_and_owner():
    index = LiveIndex()
    index.put(secret("db", app="guestbook"))
    index.put(pod("p1", "u1", owner="rs-1"))
    index.put(pod("p2", "u2", owner="rs-1"))

    assert index.get(ResourceKey("", "Secret", "prod", "db")) is not None
    assert index.by_uid("u2")["metadata"]["name"] == "p2"  # type: ignore[index]
    assert [o["metadata"]["name"] for o in index.by_app("guestbook")] == ["db"]
    assert [o["metadata"]["name"] for o in index.children("rs-1")] == ["p1", "p2"]
    assert index.count("", "Pod") == 2 and len(index) == 3


def test_an_update_moves_the_object_between_owners_and_apps():
    index = LiveIndex()
    index.put(pod("p1", "u1", owner="rs-1"))
    index.put(secret("db", app="guestbook"))

    moved = index.put(pod("p1", "u1", owner="rs-2", rv="2"))
    index.put(
        {
            **secret("db", app="billing"),
            "metadata": {**secret("db", app="billing")["metadata"], "resourceVersion": "2"},
        }
    )

    assert moved is not None and moved.type == "MODIFIED"
    assert index.children("rs-1") == [] and len(index.children("rs-2")) == 1
    assert index.by_app("guestbook") == [] and len(index.by_app("billing")) == 1


def test_an_event_with_a_version_already_stored_changes_nothing():
    index = LiveIndex()
    index.put(pod("p1", "u1"))

    assert index.put(pod("p1", "u1")) is None


def test_removing_drops_every_index_entry():
    index = LiveIndex()
    index.put(pod("p1", "u1", owner="rs-1"))

    change = index.remove(ResourceKey("", "Pod", "prod", "p1"))

    assert change is not None and change.type == "DELETED" and change.old is not None
    assert index.by_uid("u1") is None and index.children("rs-1") == [] and len(index) == 0
    assert index.remove(ResourceKey("", "Pod", "prod", "p1")) is None


def test_replacing_a_kind_after_a_list_drops_what_the_list_no_longer_has():
    index = LiveIndex()
    index.put(pod("old", "u1"))
    index.put(pod("kept", "u2"))
    index.put(secret("other-kind"))

    changes = index.replace_kind("", "Pod", [pod("kept", "u2"), pod("new", "u3")])

    assert sorted((c.type, c.key.name) for c in changes) == [("ADDED", "new"), ("DELETED", "old")]
    assert [o["metadata"]["name"] for o in index.of_kind("", "Pod")] == ["kept", "new"]
    assert index.get(ResourceKey("", "Secret", "prod", "other-kind")) is not None


def test_a_copied_tracking_id_does_not_put_the_object_under_the_app():
    index = LiveIndex()
    original = secret("db", app="guestbook")
    copy = secret("db-copy")
    copy["metadata"]["annotations"] = dict(original["metadata"]["annotations"])

    index.put(copy)

    assert index.by_app("guestbook") == []
    assert "data" not in index.get(ResourceKey("", "Secret", "prod", "db-copy"))  # type: ignore[operator]
