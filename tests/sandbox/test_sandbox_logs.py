"""``GET .../pods/NAME/log``: what kubectl logs reads, with the kubelet's refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sandbox_support import DEPLOY, PODS, deployment, wait_for

from gitward.sandbox import Sandbox


async def running_pod(client: httpx.AsyncClient, app: str) -> dict[str, Any]:
    async def ready() -> dict[str, Any]:
        pods = (await client.get(PODS, params={"labelSelector": f"app={app}"})).json()["items"]
        return next((p for p in pods if p.get("status", {}).get("phase") == "Running"), {})

    return await wait_for(ready, what="a running pod")


async def test_a_running_container_logs_its_start(client: httpx.AsyncClient) -> None:
    body = deployment("web", replicas=1)
    body["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": 8080}]
    await client.post(DEPLOY, json=body)
    pod = await running_pod(client, "web")
    path = f"{PODS}/{pod['metadata']['name']}/log"
    whole = await client.get(path)
    assert whole.status_code == 200
    assert whole.headers["content-type"].startswith("text/plain")
    assert whole.text.splitlines() == [
        f"INFO  starting main from image nginx:1.27 on pod {pod['metadata']['name']}",
        "INFO  listening on 0.0.0.0:8080",
        "INFO  ready to serve requests",
    ]
    tail = await client.get(path, params={"tailLines": "1", "timestamps": "true"})
    started = pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    assert tail.text == f"{started} INFO  ready to serve requests\n"
    assert (await client.get(path, params={"tailLines": "x"})).status_code == 400


async def test_the_kubelets_refusals(sandbox: Sandbox, client: httpx.AsyncClient) -> None:
    sandbox.faults.mark_image_missing("app:missing")
    await client.post(DEPLOY, json=deployment("web", replicas=1))
    await client.post(DEPLOY, json=deployment("bad", image="app:missing", replicas=1))
    pod = await running_pod(client, "web")
    path = f"{PODS}/{pod['metadata']['name']}/log"
    previous = await client.get(path, params={"previous": "true"})
    assert previous.status_code == 400
    assert previous.json()["message"] == (
        f'previous terminated container "main" in pod "{pod["metadata"]["name"]}" not found'
    )
    wrong = await client.get(path, params={"container": "sidecar"})
    assert (
        wrong.json()["message"]
        == f"container sidecar is not valid for pod {pod['metadata']['name']}"
    )

    async def pulling() -> str:
        pods = (await client.get(PODS, params={"labelSelector": "app=bad"})).json()["items"]
        waiting = [
            p for p in pods
            if "ImagePullBackOff" in str(p.get("status", {}).get("containerStatuses"))
        ]  # fmt: skip
        return str(waiting[0]["metadata"]["name"]) if waiting else ""

    name = await wait_for(pulling, what="ImagePullBackOff")
    refused = await client.get(f"{PODS}/{name}/log")
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        f'container "main" in pod "{name}" is waiting to start: ImagePullBackOff'
    )


async def test_a_followed_log_ends_when_the_pod_is_deleted(client: httpx.AsyncClient) -> None:
    await client.post(DEPLOY, json=deployment("web", replicas=1))
    pod = await running_pod(client, "web")
    path = f"{PODS}/{pod['metadata']['name']}/log"
    lines: list[str] = []

    async def follow() -> None:
        async with client.stream("GET", path, params={"follow": "true"}) as stream:
            async for line in stream.aiter_lines():
                lines.append(line)

    following = asyncio.get_running_loop().create_task(follow())
    await wait_for(lambda: _some(lines, 2), what="the first lines")
    assert not following.done()  # still open while the container runs
    await client.delete(f"{PODS}/{pod['metadata']['name']}")
    await asyncio.wait_for(following, timeout=10)
    assert lines[-1] == "INFO  ready to serve requests"


async def _some(lines: list[str], count: int) -> bool:
    return len(lines) >= count
