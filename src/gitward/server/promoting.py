"""The server's side of promotion: the follower of ``gitward.io/promote-from`` annotations,
started beside the controller it listens to (pushing with the repositories' stored
credentials), and the promotions of an app shown among its events.

This module only wires and shows: the rules are ``gitward.controller``'s.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gitward.controller.following import Follower
from gitward.controller.promoting import Promotions
from gitward.model.annotations import APP_API_VERSION, APP_KIND
from gitward.server.services import Services
from gitward.store import AuditAction, AuditEntry, Store

__all__ = ["follow_promotions", "promotion_events"]

_SHOWN = 50
_REASONS = {"committed": "Promoted", "proposed": "PromotionProposed", "refused": "PromotionRefused"}


def follow_promotions(services: Services) -> asyncio.Task[None]:
    """Start following; the task runs until cancelled."""
    controller = services.controller
    promotions = Promotions(controller, services.repo_credentials.lookup, services.git_hosts)
    follower = Follower(promotions, services.store, controller.events)
    return asyncio.get_running_loop().create_task(follower.follow())


async def promotion_events(store: Store, app: str) -> list[dict[str, Any]]:
    """The app's last promotions from the audit log, as events about the Application (oldest
    first), in the shape of the cluster's Events the ``/events`` endpoint lists."""
    entries = await store.audit.list(
        target=f"{APP_KIND} {app}", action=AuditAction.PROMOTE, limit=_SHOWN
    )
    return [_event(app, entry) for entry in reversed(entries)]


def _event(app: str, entry: AuditEntry) -> dict[str, Any]:
    details = entry.details
    forced = details.get("forced") is True
    refused = details.get("outcome") == "refused"
    at = entry.at.isoformat()
    message = str(details.get("message", ""))
    if not refused:
        message += f" by {entry.actor}"
    return {
        "type": "Warning" if forced or refused else "Normal",
        "reason": _REASONS.get(str(details.get("outcome")), "Promoted"),
        "message": message + (" (forced past the source's health gate)" if forced else ""),
        "involvedObject": {"apiVersion": APP_API_VERSION, "kind": APP_KIND, "name": app},
        "count": 1,
        "firstTimestamp": at,
        "lastTimestamp": at,
        "source": {"component": "gitward"},
    }
