"""The HTTP client's handling of answers a sandbox does not give: RBAC refusals, echoed
credentials, broken watch lines, non-JSON bodies. A scripted transport stands in for the server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import httpx2
import pytest

from gitward.errors import ClusterUnavailableError, ForbiddenError
from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.objects import ResourceKey

TOKEN = "eyJhbGciOiJSUzI1NiJ9.s3cr3t"
DISCOVERY = {
    "/api": {"versions": ["v1"]},
    "/apis": {"groups": []},
    "/api/v1": {"resources": [{"name": "configmaps", "kind": "ConfigMap", "namespaced": True}]},
}
KEY = ResourceKey("", "ConfigMap", "default", "settings")


def cluster_answering(answer: Callable[[httpx2.Request], httpx2.Response]) -> RemoteCluster:
    def route(request: httpx2.Request) -> httpx2.Response:
        if request.url.path in DISCOVERY:
            return httpx2.Response(200, json=DISCOVERY[request.url.path])
        return answer(request)

    access = ClusterAccess(server="https://prod.example", name="prod", bearer_token=TOKEN)
    return RemoteCluster.connect(access, transport=httpx2.MockTransport(route))


async def test_an_rbac_refusal_is_forbidden_and_names_object_and_cluster():
    refusal = {
        "kind": "Status",
        "code": 403,
        "reason": "Forbidden",
        "message": 'configmaps "settings" is forbidden: User "system:serviceaccount:x" cannot get',
    }
    cluster = cluster_answering(lambda request: httpx2.Response(403, json=refusal))

    with pytest.raises(ForbiddenError) as caught:
        await cluster.get(KEY)

    assert caught.value.message.startswith("ConfigMap default/settings on cluster prod:")
    assert "RBAC" in caught.value.hint


async def test_a_server_that_echoes_the_credentials_does_not_get_them_into_the_message():
    def echo(request: httpx2.Request) -> httpx2.Response:
        header = request.headers["authorization"]
        return httpx2.Response(401, json={"kind": "Status", "code": 401, "message": header})

    cluster = cluster_answering(echo)

    with pytest.raises(ForbiddenError) as caught:
        await cluster.get(KEY)

    assert TOKEN not in caught.value.message
    assert "credentials" in caught.value.hint


async def test_the_bearer_token_is_sent_to_the_server():
    seen: list[str] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["authorization"])
        return httpx2.Response(200, json={"kind": "ConfigMap", "metadata": {"name": "settings"}})

    await cluster_answering(record).get(KEY)

    assert seen == [f"Bearer {TOKEN}"]


async def test_a_success_that_is_not_json_is_a_transient_failure():
    cluster = cluster_answering(lambda request: httpx2.Response(200, text="<html>proxy</html>"))

    with pytest.raises(ClusterUnavailableError) as caught:
        await cluster.get(KEY)

    assert "not JSON" in caught.value.message


def stream_of(*lines: str) -> Callable[[httpx2.Request], httpx2.Response]:
    return lambda request: httpx2.Response(200, content="\n".join(lines).encode())


async def test_a_watch_skips_unknown_event_types_and_blank_lines():
    added = json.dumps({"type": "ADDED", "object": {"metadata": {"resourceVersion": "5"}}})
    odd = json.dumps({"type": "SOMETHING", "object": {}})
    cluster = cluster_answering(stream_of(odd, "", added))

    stream = cluster.watch("", "ConfigMap")
    async with contextlib.aclosing(stream):
        events = [event async for event in stream]

    assert [(e.type, e.resource_version) for e in events] == [("ADDED", "5")]


async def test_a_broken_watch_line_is_a_transient_failure():
    cluster = cluster_answering(stream_of('{"type": "ADDED", "obj'))

    stream = cluster.watch("", "ConfigMap")
    with pytest.raises(ClusterUnavailableError) as caught:
        async with contextlib.aclosing(stream):
            _ = [event async for event in stream]

    assert "ConfigMap on cluster prod" in caught.value.message


async def test_watch_requests_ask_for_bookmarks_and_a_server_side_timeout():
    seen: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, content=b"")

    cluster = cluster_answering(record)
    stream = cluster.watch(
        "",
        "ConfigMap",
        namespace="prod",
        labels={"app": "web"},
        resource_version="42",
        timeout_seconds=60,
    )
    async with contextlib.aclosing(stream):
        _ = [event async for event in stream]

    query = dict(seen[0].url.params)
    assert seen[0].url.path == "/api/v1/namespaces/prod/configmaps"
    assert query == {
        "watch": "true",
        "allowWatchBookmarks": "true",
        "resourceVersion": "42",
        "labelSelector": "app=web",
        "timeoutSeconds": "60",
    }
