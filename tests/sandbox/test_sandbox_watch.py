"""Watches stream changes with the documented resourceVersion, bookmark and 410 semantics."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sandbox_support import CM, MERGE, configmap

from gitward.sandbox import Sandbox, SandboxOptions


async def _events(
    client: httpx.AsyncClient, params: dict[str, Any], count: int, path: str = CM
) -> list[dict[str, Any]]:
    """The first ``count`` events of a watch (bounded by its timeoutSeconds)."""
    found: list[dict[str, Any]] = []
    async with client.stream("GET", path, params={"watch": "1", **params}) as stream:
        async for line in stream.aiter_lines():
            if line:
                found.append(json.loads(line))
            if len(found) >= count:
                break
    return found


async def test_a_watch_without_a_version_starts_with_the_current_objects(
    client: httpx.AsyncClient,
) -> None:
    await client.post(CM, json=configmap("a"))
    events = await _events(client, {"timeoutSeconds": "5"}, 1)
    assert events[0]["type"] == "ADDED"
    assert events[0]["object"]["metadata"]["name"] == "a"
    assert events[0]["object"]["kind"] == "ConfigMap"


async def test_a_watch_from_a_version_replays_what_came_after(client: httpx.AsyncClient) -> None:
    created = (await client.post(CM, json=configmap("a", k="1"))).json()
    rv = created["metadata"]["resourceVersion"]
    await client.patch(f"{CM}/a", json={"data": {"k": "2"}}, headers=MERGE)
    await client.delete(f"{CM}/a")
    events = await _events(client, {"resourceVersion": rv, "timeoutSeconds": "5"}, 2)
    assert [e["type"] for e in events] == ["MODIFIED", "DELETED"]
    assert events[0]["object"]["data"] == {"k": "2"}


async def test_a_watch_sees_changes_made_while_it_is_open(client: httpx.AsyncClient) -> None:
    rv = (await client.get(CM)).json()["metadata"]["resourceVersion"]
    watching = asyncio.create_task(
        _events(client, {"resourceVersion": rv, "timeoutSeconds": "5"}, 2)
    )
    await client.post(CM, json=configmap("a"))
    await client.post(CM, json=configmap("b"))
    events = await watching
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]


async def test_an_object_leaving_the_selector_is_seen_as_deleted(
    client: httpx.AsyncClient,
) -> None:
    body = configmap("a")
    body["metadata"]["labels"] = {"app": "web"}
    created = (await client.post(CM, json=body)).json()
    rv = created["metadata"]["resourceVersion"]
    await client.patch(f"{CM}/a", json={"metadata": {"labels": {"app": "db"}}}, headers=MERGE)
    params = {"resourceVersion": rv, "labelSelector": "app=web", "timeoutSeconds": "5"}
    events = await _events(client, params, 1)
    assert events[0]["type"] == "DELETED"


async def test_an_idle_watch_with_bookmarks_gets_bookmarks(client: httpx.AsyncClient) -> None:
    rv = (await client.get(CM)).json()["metadata"]["resourceVersion"]
    params = {"resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "10"}
    watching = asyncio.create_task(_events(client, params, 1))
    events = await watching
    assert events[0]["type"] == "BOOKMARK"
    assert int(events[0]["object"]["metadata"]["resourceVersion"]) >= int(rv)
    assert set(events[0]["object"]["metadata"]) == {"resourceVersion"}


async def test_send_initial_events_ends_with_an_annotated_bookmark(
    client: httpx.AsyncClient,
) -> None:
    await client.post(CM, json=configmap("a"))
    params = {
        "sendInitialEvents": "true",
        "allowWatchBookmarks": "true",
        "resourceVersionMatch": "NotOlderThan",
        "timeoutSeconds": "5",
    }
    events = await _events(client, params, 2)
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    annotations = events[1]["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}


async def test_a_watch_from_a_compacted_version_gets_410_expired() -> None:
    async with (
        Sandbox.start(SandboxOptions(watch_history=3, controllers=False)) as sb,
        httpx.AsyncClient(base_url=sb.url) as client,
    ):
        first = (await client.post(CM, json=configmap("a"))).json()
        for name in "bcdef":
            await client.post(CM, json=configmap(name))
        rv = first["metadata"]["resourceVersion"]
        events = await _events(client, {"resourceVersion": rv, "timeoutSeconds": "5"}, 1)
    assert events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith(f"too old resource version: {rv}")


async def test_timeout_seconds_ends_the_stream(client: httpx.AsyncClient) -> None:
    async with client.stream("GET", CM, params={"watch": "true", "timeoutSeconds": "0.05"}) as s:
        lines = [line async for line in s.aiter_lines() if line]
    assert lines == []


async def test_watching_one_object_by_name(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a"))
    await client.post(CM, json=configmap("b"))
    params = {"fieldSelector": "metadata.name=b", "timeoutSeconds": "5"}
    events = await _events(client, params, 1)
    assert events[0]["object"]["metadata"]["name"] == "b"


async def test_a_watch_of_a_cluster_scoped_kind_sees_objects_created_while_it_is_open(
    client: httpx.AsyncClient,
) -> None:
    namespaces = "/api/v1/namespaces"
    rv = (await client.get(namespaces)).json()["metadata"]["resourceVersion"]
    watching = asyncio.create_task(
        _events(client, {"resourceVersion": rv, "timeoutSeconds": "5"}, 1, path=namespaces)
    )
    made = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "widgets"}}
    assert (await client.post(namespaces, json=made)).status_code == 201
    events = await watching
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "widgets")]
