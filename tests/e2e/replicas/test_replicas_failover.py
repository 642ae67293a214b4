"""Three replicas on one PostgreSQL: one killed with SIGKILL in the middle of a sync; another
takes its app over once its lease expires and resumes the operation from the recorded step
(issue 17.1). The sync is slowed by the sandbox's latency fault so that the kill lands between
waves; the sync is asked through a replica that does not own the app (the change feed brings
it to the owner)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import httpx
from conftest import PER_WAVE, WAVES, Replicas, admin, application, query

from gitward.sandbox import Sandbox
from support.postgres import POSTGRES_VARIABLE
from support.waiting import wait_for

APP = "waves"


def operation(client: httpx.Client) -> dict[str, Any]:
    shown = client.get(f"/api/v1/applications/{APP}")
    assert shown.status_code == 200, shown.text
    found: dict[str, Any] = shown.json().get("status", {}).get("operationState") or {}
    return found


def synced(state: dict[str, Any]) -> set[str]:
    return {
        item["name"]
        for item in state.get("syncResult", {}).get("resources", [])
        if item.get("status") == "Synced"
    }


def applications(sandbox: Sandbox) -> list[tuple[float, str]]:
    """(when, name) of every server-side apply of the app's objects the sandbox served."""
    return [
        (record.received_at, record.name)
        for record in sandbox.request_log()
        if record.name.startswith("wave") and record.verb == "apply" and not record.dry_run
    ]


def first_applied(sandbox: Sandbox) -> list[str]:
    """The objects' names in the order the sandbox first applied each."""
    seen: list[str] = []
    for _, name in applications(sandbox):
        if name not in seen:
            seen.append(name)
    return seen


def test_a_replica_killed_mid_sync_hands_its_app_over_and_the_operation_resumes(
    replicas: Replicas, sandbox: tuple[Sandbox, Any]
) -> None:
    cluster = sandbox[0]
    started = [replicas.start() for _ in range(3)]
    first, *_ = started
    with replicas.client(first) as client:
        created = client.post("/api/v1/applications", json=application(APP))
        assert created.status_code == 200, created.text
    owner = replicas.owner_of(APP)
    other = next(replica for replica in started if replica is not owner)
    with replicas.client(other) as client:
        asked = client.post(f"/api/v1/applications/{APP}/sync", json={})
        assert asked.status_code == 200, asked.text
        print("owner", owner.url, "asked via", other.url)
        running = wait_for(
            lambda: (s := operation(client)) and s.get("phase") == "Running" and synced(s) and s,
            60,
            "the owner applied a first wave",
        )
        assert len(synced(running)) < WAVES * PER_WAVE
        owner.process.send_signal(signal.SIGKILL)
        owner.process.wait(timeout=10)
        killed_at = time.monotonic()
        stored_before_kill = synced(running)
        wait_for(lambda: len(synced(operation(client))) > len(synced(running)), 60, "a next step")
        print(f"the next step was stored {time.monotonic() - killed_at:.1f}s after the kill")
        done = wait_for(
            lambda: (s := operation(client)).get("phase") in {"Succeeded", "Failed", "Error"} and s,
            90,
            "another replica finished the operation",
        )
        assert done["phase"] == "Succeeded", done
        assert done["startedAt"] == running["startedAt"]  # the same operation, resumed
        history = client.get(f"/api/v1/applications/{APP}").json()["status"]["history"]
        assert len(history) == 1
    successor = replicas.owner_of(APP)
    assert successor is not owner
    order = first_applied(cluster)
    assert len(order) == WAVES * PER_WAVE
    waves = [int(name.removeprefix("wave").split("-")[0]) for name in order]
    assert waves == sorted(waves)  # no object of a later wave before an earlier one
    for name in stored_before_kill:  # a step stored before the kill is never applied again
        assert [n for _, n in applications(cluster)].count(name) == 1, name
    leases = query(replicas.database, "SELECT id FROM replicas WHERE expires_at > now()")
    assert len(leases) == 2


def test_a_replica_that_loses_the_database_stops_writing_says_so_and_rejoins(
    replicas: Replicas, monkeypatch: Any
) -> None:
    replica = replicas.start()
    name = replicas.database.rsplit("/", 1)[1]
    first = query(replicas.database, "SELECT epoch FROM replicas")
    server = os.environ[POSTGRES_VARIABLE]
    admin(server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    admin(
        server, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    )
    with httpx.Client(base_url=replica.url, timeout=10) as client:
        refused = wait_for(
            lambda: (r := client.get("/healthz")).status_code == 503 and r, 30, "not ready"
        )
        assert "lost its lease" in refused.text
        wait_for(lambda: "stops writing" in "".join(replica.output), 10, "the log says so")
        admin(server, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        wait_for(lambda: client.get("/healthz").status_code == 200, 60, "ready again")
    again = query(replicas.database, "SELECT epoch FROM replicas")
    assert [row["epoch"] for row in again] == [first[0]["epoch"] + 1]  # a new lease, fenced
