"""One resource of an app, with Argo CD's paths: ``/resource`` (read the live object, delete
it), ``/resource/actions`` (list and run actions such as ``restart``) and ``/logs`` (a Pod's
container log, streamed as Argo CD streams it: one ``{"result": {...}}`` JSON object a line).

Each needs ``get`` on the app first (the same answer for a missing app and a forbidden one),
then the specific permission Argo CD checks — ``logs, get``; ``applications,
action/<group>/<kind>/<action>``; ``applications, delete/<group>/<kind>/<ns>/<name>`` — before
anything is looked up in the cluster. Every change is written to the audit log.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from gitward.kube import LogOptions
from gitward.model.objects import ResourceKey
from gitward.server import resources
from gitward.server.deps import Grant, Svc, app_in_path, authorize
from gitward.server.failures import denied, invalid
from gitward.store import AuditAction

__all__ = ["router"]

router = APIRouter(tags=["applications"])

AppGet = Annotated[Grant, Depends(authorize("applications", "get", app_in_path))]
_MAX_TAIL = 100_000


def _key(
    kind: Annotated[str, Query(min_length=1, max_length=253)],
    resource_name: Annotated[str, Query(alias="resourceName", min_length=1, max_length=253)],
    namespace: Annotated[str, Query(max_length=253)] = "",
    group: Annotated[str, Query(max_length=253)] = "",
) -> ResourceKey:
    return ResourceKey(group, kind, namespace, resource_name)


Key = Annotated[ResourceKey, Depends(_key)]


def _object(grant: Grant) -> str:
    return f"{grant.app.project}/{grant.app.name}"


def _require(grant: Grant, resource: str, action: str) -> None:
    if not grant.permits(resource, action, _object(grant)):
        raise denied()


@router.get("/api/v1/applications/{name}/resource")
async def get_resource(grant: AppGet, services: Svc, key: Key) -> Any:
    """The live object (``manifest``, JSON text), Secret values masked."""
    cluster = await resources.resource_in_tree(services.controller, grant.app, key)
    live = await resources.live_object(cluster, key)
    return {"manifest": json.dumps(live, sort_keys=True)}


@router.delete("/api/v1/applications/{name}/resource")
async def delete_resource(grant: AppGet, services: Svc, key: Key, orphan: bool = False) -> Any:
    """Delete the resource (``orphan``: leave what it owns)."""
    path = f"{key.group}/{key.kind}/{key.namespace}/{key.name}"
    _require(grant, "applications", f"delete/{path}")
    cluster = await resources.resource_in_tree(services.controller, grant.app, key)
    await resources.delete(cluster, key, orphan=orphan)
    await services.store.audit.append(
        grant.actor, AuditAction.DELETE, f"application {grant.app.name} resource {key}"
    )
    return {}


@router.get("/api/v1/applications/{name}/resource/actions")
async def list_actions(grant: AppGet, services: Svc, key: Key) -> Any:
    """The actions the resource offers."""
    await resources.resource_in_tree(services.controller, grant.app, key)
    return {
        "actions": [{"name": a.name, "disabled": a.disabled} for a in resources.actions_for(key)]
    }


@router.post("/api/v1/applications/{name}/resource/actions")
async def run_action(grant: AppGet, services: Svc, key: Key, request: Request) -> Any:
    """Run an action; the body is its name as a JSON string (Argo CD) or ``{"action": name}``."""
    action = _action_of(await request.body())
    _require(grant, "applications", f"action/{key.group}/{key.kind}/{action}")
    cluster = await resources.resource_in_tree(services.controller, grant.app, key)
    await resources.run_action(cluster, key, action)
    await services.store.audit.append(
        grant.actor, AuditAction.ACTION, f"application {grant.app.name} {action} {key}"
    )
    return {}


def _action_of(body: bytes) -> str:
    try:
        value = json.loads(body or b'""')
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid("the body is not JSON: send the action's name as a JSON string") from None
    if isinstance(value, dict):
        value = value.get("action")
    if not isinstance(value, str) or not value:
        raise invalid('name the action: "restart" or {"action": "restart"}')
    return value


@router.get("/api/v1/applications/{name}/logs")
async def pod_logs(
    grant: AppGet,
    services: Svc,
    *,
    pod_name: Annotated[str, Query(alias="podName", min_length=1, max_length=253)],
    namespace: Annotated[str, Query(max_length=253)] = "",
    container: Annotated[str, Query(max_length=253)] = "",
    follow: bool = False,
    previous: bool = False,
    tail_lines: Annotated[int | None, Query(alias="tailLines", ge=0, le=_MAX_TAIL)] = None,
    since_seconds: Annotated[int | None, Query(alias="sinceSeconds", ge=1)] = None,
) -> Any:
    """A Pod's container log; with ``follow`` it goes on until the container or client stops."""
    _require(grant, "logs", "get")
    key = ResourceKey("", "Pod", namespace or _destination_namespace(grant), pod_name)
    cluster = await resources.resource_in_tree(services.controller, grant.app, key)
    options = LogOptions(
        container=container or None,
        follow=follow,
        previous=previous,
        tail_lines=tail_lines,
        since_seconds=since_seconds,
    )
    lines = resources.pod_log(cluster, key, options)
    first = await _first_line(lines)  # a missing pod or container fails here, as a JSON error
    return StreamingResponse(
        _results(pod_name, first, lines),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _destination_namespace(grant: Grant) -> str:
    spec = grant.app.document.get("spec")
    destination = spec.get("destination") if isinstance(spec, dict) else None
    return str((destination or {}).get("namespace") or "") if isinstance(destination, dict) else ""


async def _first_line(lines: AsyncIterator[str]) -> str | None:
    try:
        return await anext(lines)
    except StopAsyncIteration:
        return None


async def _results(pod: str, first: str | None, lines: AsyncIterator[str]) -> AsyncIterator[str]:
    if first is not None:
        yield _result(pod, first)
        async for line in lines:
            yield _result(pod, line)
    yield json.dumps({"result": {"content": "", "podName": pod, "last": True}}) + "\n"


def _result(pod: str, line: str) -> str:
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    content = line.rstrip("\n")
    return json.dumps({"result": {"content": content, "podName": pod, "timeStamp": moment}}) + "\n"
