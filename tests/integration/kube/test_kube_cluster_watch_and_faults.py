"""Watch streams and the failures a real cluster shows: expired versions, dropped streams,
throttling with Retry-After, server errors and refused connections."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest
from kube_builders import config_map

from gitward.errors import ClusterUnavailableError, ExpiredError, TransientError
from gitward.kube import ClusterAccess, RemoteCluster, WatchEvent
from gitward.model.objects import ResourceKey
from gitward.sandbox import ErrorRate, Sandbox, SandboxOptions

SETTINGS = ResourceKey("", "ConfigMap", "default", "w")


async def take(stream: AsyncGenerator[WatchEvent, None], count: int) -> list[WatchEvent]:
    """The next ``count`` events other than bookmarks, within 5 seconds."""
    seen: list[WatchEvent] = []
    async with asyncio.timeout(5):
        async for event in stream:
            if event.type != "BOOKMARK":
                seen.append(event)
            if len(seen) == count:
                break
    return seen


async def test_a_watch_from_a_version_sees_each_later_change_in_order(cluster: RemoteCluster):
    start = (await cluster.list("", "ConfigMap", namespace="default")).resource_version
    await cluster.apply(config_map("w", data={"v": "1"}))
    await cluster.apply(config_map("w", data={"v": "2"}))
    await cluster.delete(SETTINGS)

    stream = cluster.watch("", "ConfigMap", namespace="default", resource_version=start)
    async with contextlib.aclosing(stream):
        events = await take(stream, 3)

    assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1].object["data"] == {"v": "2"}
    assert all(e.resource_version for e in events)


@pytest.mark.parametrize("sandbox_options", [SandboxOptions(watch_history=3)])
async def test_a_watch_from_a_version_older_than_the_history_is_expired(cluster: RemoteCluster):
    start = (await cluster.list("", "ConfigMap")).resource_version
    for index in range(6):
        await cluster.apply(config_map(f"c{index}"))

    stream = cluster.watch("", "ConfigMap", resource_version=start)
    with pytest.raises(ExpiredError) as caught:
        async with contextlib.aclosing(stream):
            await take(stream, 1)

    assert "ConfigMap on cluster in-cluster" in caught.value.message


async def test_a_dropped_stream_ends_so_the_caller_can_watch_again(
    cluster: RemoteCluster, sandbox: Sandbox
):
    start = (await cluster.list("", "ConfigMap")).resource_version
    stream = cluster.watch("", "ConfigMap", resource_version=start)
    await cluster.apply(config_map("w"))
    async with contextlib.aclosing(stream):
        first = await take(stream, 1)
        sandbox.faults.drop_watches()
        rest = [event async for event in stream if event.type != "BOOKMARK"]

    assert [e.type for e in first] == ["ADDED"]
    assert rest == []


@pytest.mark.parametrize(("status", "retry_after"), [(503, 2.0), (429, 3.0)])
async def test_throttling_and_unavailability_are_transient_and_carry_retry_after(
    cluster: RemoteCluster, sandbox: Sandbox, status: int, retry_after: float
):
    sandbox.faults.set_error_rate(ErrorRate(1.0, status=status, retry_after=int(retry_after)))

    with pytest.raises(ClusterUnavailableError) as caught:
        await cluster.get(SETTINGS)

    assert isinstance(caught.value, TransientError)
    assert caught.value.retry_after == retry_after
    assert "default/w on cluster in-cluster" in caught.value.message


async def test_an_internal_server_error_is_transient_without_retry_after(
    cluster: RemoteCluster, sandbox: Sandbox
):
    await cluster.resource_type("", "ConfigMap")
    sandbox.faults.set_error_rate(ErrorRate(1.0, status=500))

    with pytest.raises(ClusterUnavailableError) as caught:
        await cluster.list("", "ConfigMap")

    assert caught.value.retry_after is None


async def test_a_watch_refused_by_the_server_raises_before_any_event(
    cluster: RemoteCluster, sandbox: Sandbox
):
    await cluster.resource_type("", "ConfigMap")
    sandbox.faults.set_error_rate(ErrorRate(1.0, status=503, verbs=frozenset({"watch"})))

    stream = cluster.watch("", "ConfigMap")
    with pytest.raises(ClusterUnavailableError):
        async with contextlib.aclosing(stream):
            await take(stream, 1)


async def test_a_cluster_that_refuses_connections_is_unavailable(tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access = ClusterAccess(server=f"http://127.0.0.1:{port}", bearer_token="t0ps3cret-token")
    cluster = RemoteCluster.connect(access, timeout=2.0)
    try:
        with pytest.raises(ClusterUnavailableError) as caught:
            await cluster.get(SETTINGS)
    finally:
        await cluster.close()

    assert "did not answer" in caught.value.message
    assert "t0ps3cret-token" not in caught.value.message
