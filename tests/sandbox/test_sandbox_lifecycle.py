"""Deletion semantics: finalizers, namespaces that empty themselves, garbage collection."""

from __future__ import annotations

from typing import Any

import httpx
from sandbox_support import (
    CM,
    DEPLOY,
    MERGE,
    NAMESPACES,
    PODS,
    configmap,
    deployment,
    namespace,
    wait_for,
)


async def _gone(client: httpx.AsyncClient, path: str) -> bool:
    return (await client.get(path)).status_code == 404


async def _count(client: httpx.AsyncClient, path: str) -> int:
    return len((await client.get(path)).json()["items"])


async def test_an_object_with_finalizers_is_only_marked(client: httpx.AsyncClient) -> None:
    body = configmap("a")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    await client.post(CM, json=body)
    deleted = await client.delete(f"{CM}/a")
    assert deleted.status_code == 202
    marked = (await client.get(f"{CM}/a")).json()
    assert marked["metadata"]["deletionTimestamp"]
    released = await client.patch(f"{CM}/a", json={"metadata": {"finalizers": None}}, headers=MERGE)
    assert released.status_code == 200
    assert await _gone(client, f"{CM}/a")


async def test_deleting_a_namespace_deletes_its_contents(client: httpx.AsyncClient) -> None:
    await client.post(NAMESPACES, json=namespace("team"))
    await client.post("/api/v1/namespaces/team/configmaps", json=configmap("a", "team"))
    deleted = (await client.delete(f"{NAMESPACES}/team")).json()
    assert deleted["status"]["phase"] == "Terminating"
    await wait_for(lambda: _gone(client, f"{NAMESPACES}/team"), what="namespace gone")
    assert await _count(client, "/api/v1/configmaps") == 0


async def test_a_terminating_namespace_refuses_new_objects(client: httpx.AsyncClient) -> None:
    await client.post(NAMESPACES, json=namespace("team"))
    held = configmap("held", "team")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await client.post("/api/v1/namespaces/team/configmaps", json=held)
    await client.delete(f"{NAMESPACES}/team")
    refused = await client.post("/api/v1/namespaces/team/configmaps", json=configmap("b", "team"))
    assert refused.status_code == 403
    assert refused.json()["reason"] == "Forbidden"
    assert "being terminated" in refused.json()["message"]
    await client.patch(
        "/api/v1/namespaces/team/configmaps/held",
        json={"metadata": {"finalizers": None}},
        headers=MERGE,
    )
    await wait_for(lambda: _gone(client, f"{NAMESPACES}/team"), what="namespace gone")


async def _deployed(client: httpx.AsyncClient) -> dict[str, Any]:
    await client.post(DEPLOY, json=deployment("web", replicas=2))

    async def pods_running() -> bool:
        pods = (await client.get(PODS)).json()["items"]
        return len(pods) == 2

    await wait_for(pods_running)
    return (await client.get(f"{DEPLOY}/web")).json()


async def test_background_deletion_removes_dependents_afterwards(
    client: httpx.AsyncClient,
) -> None:
    await _deployed(client)
    deleted = await client.delete(f"{DEPLOY}/web", params={"propagationPolicy": "Background"})
    assert deleted.status_code == 200
    assert await _gone(client, f"{DEPLOY}/web")
    rs_path = "/apis/apps/v1/namespaces/default/replicasets"

    async def all_gone() -> bool:
        return await _count(client, rs_path) == 0 and await _count(client, PODS) == 0

    await wait_for(all_gone, what="dependents collected")


async def test_foreground_deletion_keeps_the_owner_until_dependents_are_gone(
    client: httpx.AsyncClient,
) -> None:
    await _deployed(client)
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}
    deleted = await client.request("DELETE", f"{DEPLOY}/web", json=options)
    assert deleted.status_code == 202
    assert "foregroundDeletion" in deleted.json()["metadata"]["finalizers"]
    await wait_for(lambda: _gone(client, f"{DEPLOY}/web"), what="owner gone")
    assert await _count(client, PODS) == 0
    assert await _count(client, "/apis/apps/v1/namespaces/default/replicasets") == 0


async def test_orphan_deletion_leaves_dependents_without_owner(client: httpx.AsyncClient) -> None:
    await _deployed(client)
    await client.delete(f"{DEPLOY}/web", params={"propagationPolicy": "Orphan"})
    await wait_for(lambda: _gone(client, f"{DEPLOY}/web"), what="owner gone")
    sets = (await client.get("/apis/apps/v1/namespaces/default/replicasets")).json()["items"]
    assert len(sets) == 1
    assert "ownerReferences" not in sets[0]["metadata"]
    assert await _count(client, PODS) == 2


async def test_an_object_whose_owner_does_not_exist_is_collected(
    client: httpx.AsyncClient,
) -> None:
    body = configmap("child")
    body["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "0000-ghost"}
    ]
    await client.post(CM, json=body)
    await wait_for(lambda: _gone(client, f"{CM}/child"), what="orphan collected")


async def test_a_delete_precondition_on_uid_is_checked(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a"))
    options = {"preconditions": {"uid": "not-the-uid"}}
    refused = await client.request("DELETE", f"{CM}/a", json=options)
    assert refused.status_code == 409
    assert "Precondition failed" in refused.json()["message"]
