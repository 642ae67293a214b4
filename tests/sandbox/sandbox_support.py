"""Builders and waits shared by the sandbox tests (real HTTP, no mocks)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

APPLY = {"content-type": "application/apply-patch+yaml"}
MERGE = {"content-type": "application/merge-patch+json"}
JSON_PATCH = {"content-type": "application/json-patch+json"}
STRATEGIC = {"content-type": "application/strategic-merge-patch+json"}

CM = "/api/v1/namespaces/default/configmaps"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"
PODS = "/api/v1/namespaces/default/pods"
NAMESPACES = "/api/v1/namespaces"


def configmap(name: str, namespace: str = "default", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": dict(data),
    }


def deployment(
    name: str,
    image: str = "nginx:1.27",
    replicas: int = 2,
    namespace: str = "default",
    **spec: Any,
) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
            **spec,
        },
    }


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


async def apply(
    client: httpx.AsyncClient,
    path: str,
    obj: dict[str, Any],
    manager: str,
    force: bool = False,
    **params: str,
) -> httpx.Response:
    query = {"fieldManager": manager, **params}
    if force:
        query["force"] = "true"
    return await client.patch(path, content=json.dumps(obj), headers=APPLY, params=query)


async def wait_for(
    check: Callable[[], Awaitable[Any]], within: float = 10.0, what: str = "condition"
) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def managers_of(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """manager name -> fieldsV1 (Apply entries keyed by name, others by name+operation)."""
    found = {}
    for entry in obj["metadata"].get("managedFields", []):
        key = (
            entry["manager"]
            if entry["operation"] == "Apply"
            else (f"{entry['manager']}/{entry['operation']}")
        )
        found[key] = entry["fieldsV1"]
    return found
