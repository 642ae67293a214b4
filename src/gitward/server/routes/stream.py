"""``/api/v1/stream/applications``: app changes as server-sent events, for the UI and
``gitward app wait``.

Each event is one ``data: {"result": {"type": "ADDED|MODIFIED|DELETED", "application": {...}}}``
line followed by a blank line. The stream starts with the current state (``ADDED``: the whole
app when ``name`` is given, list items otherwise), then follows the controller's events and,
with replicas, the other replicas' changes (``controller.views``), whichever replica owns the
app; only
apps the caller may get are sent. A comment line every few seconds keeps proxies from closing
an idle stream. It ends when the client goes or the server stops.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gitward.controller.events import AppEvent, Subscription
from gitward.server import views
from gitward.server.deps import Authenticated, Grant
from gitward.server.services import Services

__all__ = ["router"]

router = APIRouter(tags=["applications"])

HEARTBEAT_S = 10.0


@router.get("/api/v1/stream/applications")
async def stream_applications(grant: Authenticated, request: Request, name: str = "") -> Any:
    services: Services = request.app.state.services
    subscription = services.controller.views.subscribe(size=1000)
    return StreamingResponse(
        _events(services, grant, subscription, name),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    services: Services, grant: Grant, subscription: Subscription, name: str
) -> AsyncIterator[str]:
    seen: set[str] = set()
    with subscription:
        for item in await _initial(services, grant, name):
            seen.add(item["metadata"]["name"])
            yield _line("ADDED", item)
        while not services.closing.is_set():
            try:
                event = await subscription.next(within=HEARTBEAT_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if name and event.app != name:
                continue
            shown = await _changed(services, grant, event, seen)
            if shown is not None:
                yield _line(*shown)


async def _initial(services: Services, grant: Grant, name: str) -> list[dict[str, Any]]:
    if name:
        record = await services.store.apps.get(name)
        if record is None or not _visible(grant, record.project, record.name):
            return []
        operation = await services.store.operations.latest(name)
        return [views.app_json(record, operation)]
    return [
        views.app_summary_json(app)
        for app in await services.store.apps.list()
        if _visible(grant, app.project, app.name)
    ]


async def _changed(
    services: Services, grant: Grant, event: AppEvent, seen: set[str]
) -> tuple[str, dict[str, Any]] | None:
    """What to send about ``event``; a deletion only of an app this stream has shown."""
    if event.kind == "deleted":
        if event.app not in seen:
            return None
        seen.discard(event.app)
        return "DELETED", {"metadata": {"name": event.app}}
    record = await services.store.apps.get(event.app)
    if record is None or not _visible(grant, record.project, record.name):
        return None
    kind = "MODIFIED" if record.name in seen else "ADDED"
    seen.add(record.name)
    operation = await services.store.operations.latest(event.app)
    return kind, views.app_json(record, operation)


def _visible(grant: Grant, project: str, name: str) -> bool:
    return grant.permits_app("get", project, name)


def _line(kind: str, application: dict[str, Any]) -> str:
    payload = {"result": {"type": kind, "application": application}}
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"
