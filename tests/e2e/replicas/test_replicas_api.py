"""Every replica serves the API as well as any other (issue 17.1): a session made on one works
on the others and ends on all of them at a logout, and the stream of application changes on a
replica that does not own an app shows that app's sync as its owner runs it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from conftest import Replica, Replicas, application, query

from gitward.sandbox import Sandbox
from support.waiting import wait_for

APP = "waves"


def test_a_session_made_on_one_replica_works_and_ends_on_every_replica(
    replicas: Replicas,
) -> None:
    first, second = replicas.start(), replicas.start()
    with replicas.client(first) as client:
        token = client.headers["Authorization"]
        with httpx.Client(base_url=second.url, headers={"Authorization": token}) as other:
            assert other.get("/api/v1/applications").status_code == 200
            assert client.delete("/api/v1/session").status_code == 200
            assert other.get("/api/v1/applications").status_code == 401


def app_on_two_replicas(replicas: Replicas) -> tuple[Replica, Replica]:
    """Two replicas started and APP created through the first; (APP's owner, the other)."""
    first, _ = replicas.start(), replicas.start()
    with replicas.client(first) as client:
        assert client.post("/api/v1/applications", json=application(APP)).status_code == 200
    return replicas.owner_and_other(APP)


def stream_until_synced(replicas: Replicas, watcher: Any, asker: Any) -> list[str]:
    """The operation phases the watcher's stream showed until the sync the asker started
    succeeded."""
    phases: list[str] = []
    with (
        replicas.client(watcher) as watching,
        replicas.client(asker) as asking,
        watching.stream("GET", f"/api/v1/stream/applications?name={APP}", timeout=60) as stream,
    ):
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("data:"))  # the initial state
        assert asking.post(f"/api/v1/applications/{APP}/sync", json={}).status_code == 200
        for line in lines:
            if not line.startswith("data:"):
                continue
            shown = json.loads(line.removeprefix("data:"))["result"]["application"]
            phase = (shown.get("status", {}).get("operationState") or {}).get("phase", "")
            phases.append(phase)
            if phase == "Succeeded":
                break
    return phases


def test_the_stream_of_a_replica_that_does_not_own_an_app_shows_its_sync(
    replicas: Replicas,
) -> None:
    _, other = app_on_two_replicas(replicas)

    phases = stream_until_synced(replicas, watcher=other, asker=other)

    assert "Running" in phases
    assert phases[-1] == "Succeeded"


def test_a_refresh_asked_of_a_replica_that_does_not_own_the_app_is_done_by_its_owner(
    replicas: Replicas,
) -> None:
    _, other = app_on_two_replicas(replicas)
    with replicas.client(other) as client:

        def reconciled() -> str:
            status = client.get(f"/api/v1/applications/{APP}").json()["status"]
            return str(status.get("reconciledAt") or "")

        before = wait_for(reconciled, 30, "a first reconcile by the owner")
        refreshed = client.get(f"/api/v1/applications/{APP}", params={"refresh": "hard"})

        assert refreshed.status_code == 200
        assert refreshed.json()["status"]["reconciledAt"] > before


def test_a_cluster_registered_through_one_replica_is_used_by_the_owner_of_an_app_on_another(
    replicas: Replicas, sandbox: tuple[Sandbox, Any]
) -> None:
    first, second = replicas.start(), replicas.start()
    ids = [row["id"] for row in query(replicas.database, "SELECT id FROM replicas")]
    name = next(f"web-{n}" for n in range(100) if replicas.owner_of(f"web-{n}") is second)
    cluster = {
        "server": sandbox[0].url,
        "name": "second",
        "config": {"bearerToken": "t0ken", "tlsClientConfig": {"insecure": False}},
    }
    app = application(name)
    app["spec"]["destination"] = {"name": "second", "namespace": "default"}
    app["spec"]["syncPolicy"] = {"automated": {}}
    with replicas.client(first) as client:
        assert client.post("/api/v1/clusters", json=cluster).status_code == 200
        assert client.post("/api/v1/applications", json=app).status_code == 200

        def health() -> str:
            status = client.get(f"/api/v1/applications/{name}").json()["status"]
            return f"{status['sync']['status']}/{status['health']['status']}"

        wait_for(lambda: health() == "Synced/Healthy", 90, f"{name} deployed by its owner")
    assert len(ids) == 2
