"""A stored ApplicationSet with replicas: the replica that owns the set expands it, even when
the create reached another replica (which asks the owner), and only the owner writes its
apps."""

from __future__ import annotations

from typing import Any

from conftest import REPO_URL, Replicas

from gitward.controller.storedsets import set_key
from support.applications import application, application_set
from support.waiting import wait_for

NAME = "waves-set"


def waves_set() -> dict[str, Any]:
    """A set of two apps of the waves repository, one per list element."""
    elements = [{"env": "one"}, {"env": "two"}]
    template = application("waves-{{env}}", repo_url=REPO_URL, path="waves", namespace="default")
    return application_set(NAME, [{"list": {"elements": elements}}], template)


def test_a_set_created_on_a_replica_that_does_not_own_it_is_expanded_by_its_owner(
    replicas: Replicas,
) -> None:
    replicas.start(), replicas.start()
    _, other = replicas.owner_and_other(set_key(NAME))

    with replicas.client(other) as client:
        created = client.post("/api/v1/applicationsets", json=waves_set())
        assert created.status_code == 200, created.text

        def generated() -> list[str]:
            shown = client.get(f"/api/v1/applicationsets/{NAME}").json()
            return [r["name"] for r in shown["status"]["resources"]]

        assert wait_for(generated, 30, "the owner expanded the set") == ["waves-one", "waves-two"]
        app = client.get("/api/v1/applications/waves-one").json()
        assert app["metadata"]["ownerReferences"][0]["name"] == NAME
        assert client.delete(f"/api/v1/applicationsets/{NAME}").status_code == 200
        assert client.get("/api/v1/applications/waves-one").status_code in (403, 404)
