"""``GET /api/v1/namespaces/NS/pods/NAME/log``: the query parameters kubectl sends
(``container``, ``previous``, ``tailLines``, ``timestamps``, ``follow``) in, plain text out.

A followed log stays open while the container runs, as the kubelet's does, and ends when the
pod is deleted or the container stops; the lines themselves come from :mod:`podlogs`. This
module must not invent log content.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gitward.sandbox import podlogs
from gitward.sandbox.kinds import ResourceType
from gitward.sandbox.status import bad_request
from gitward.sandbox.store import Event, GroupResource, Store
from gitward.sandbox.verbs import Cluster

__all__ = ["log_response"]


def _query(request: Request) -> podlogs.LogRequest:
    params = request.query_params
    tail = params.get("tailLines")
    try:
        tail_lines = int(tail) if tail not in (None, "") else None
    except ValueError as err:
        raise bad_request(f"invalid tailLines {tail!r}: must be an integer") from err
    return podlogs.LogRequest(
        container=params.get("container", ""),
        previous=_flag(params.get("previous")),
        tail_lines=tail_lines,
        timestamps=_flag(params.get("timestamps")),
    )


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def log_response(
    cluster: Cluster, rtype: ResourceType, namespace: str, name: str, request: Request
) -> Response:
    """The log of one container of a pod, whole or followed."""
    pod = cluster.get(rtype, namespace, name)
    query = _query(request)
    lines = podlogs.container_log(pod, query)
    if not _flag(request.query_params.get("follow")) or query.previous:
        return Response("".join(lines), media_type="text/plain")
    container = query.container or _first_container(pod)
    followed = _Followed(cluster.store, rtype.group_resource, namespace, name, container)
    return StreamingResponse(followed.stream(lines), media_type="text/plain")


def _first_container(pod: dict[str, object]) -> str:
    spec = pod.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    first = containers[0] if isinstance(containers, list) and containers else {}
    return str(first.get("name", "")) if isinstance(first, dict) else ""


class _Followed:
    """One followed container: woken by every change to its pod, ends when it stops running."""

    def __init__(
        self, store: Store, resource: GroupResource, namespace: str, name: str, container: str
    ) -> None:
        self.store, self.resource, self.container = store, resource, container
        self.key = (namespace, name)
        self.changed = asyncio.Event()

    def _listener(self, event: Event) -> None:
        meta = event.obj.get("metadata") or {}
        if (
            event.resource == self.resource
            and (meta.get("namespace"), meta.get("name")) == self.key
        ):
            self.changed.set()

    async def stream(self, lines: list[str]) -> AsyncIterator[bytes]:
        for line in lines:
            yield line.encode()
        self.store.subscribe(self._listener)
        try:
            while podlogs.is_running(self.store.peek(self.resource, *self.key), self.container):
                await self.changed.wait()
                self.changed.clear()
        finally:
            self.store.unsubscribe(self._listener)
