"""The server's side of promotion: the follower of ``gitward.io/promote-from`` annotations,
started beside the controller it listens to (pushing with the repositories' stored
credentials), and the promotions of an app read from the audit log, shown among its events and
in its history (``status.promotions``).

This module only wires and shows: the rules are ``gitward.controller``'s.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gitward.controller.following import Follower, Ownership
from gitward.controller.promoting import Promotions
from gitward.model.annotations import APP_API_VERSION, APP_KIND
from gitward.server.services import Services
from gitward.store import AuditAction, AuditEntry, Store

__all__ = ["follow_promotions", "promotion_events", "promotions_into"]

_SHOWN = 50
_REASONS = {"committed": "Promoted", "proposed": "PromotionProposed", "refused": "PromotionRefused"}


def follow_promotions(services: Services, owns: Ownership | None = None) -> asyncio.Task[None]:
    """Start following the apps this server owns (``owns``, by default the controller's own
    division of apps among replicas: every app in one process); runs until cancelled. Apps are
    read through the controller's cached reads: every stored status is an event here, and a
    database read of the app for each was ~1.8 of a server's ~4 app reads per synced app."""
    controller = services.controller
    owns = controller.owns if owns is None else owns
    promotions = Promotions(controller, services.repo_credentials.lookup, services.git_hosts)
    follower = Follower(
        promotions, services.store, controller.events, owns, read_app=controller.reads.app
    )
    return asyncio.get_running_loop().create_task(follower.follow())


async def promotions_into(store: Store, app: str) -> list[AuditEntry]:
    """The app's last promotions (at most ``_SHOWN``), oldest first."""
    entries = await store.audit.list(
        target=f"{APP_KIND} {app}", action=AuditAction.PROMOTE, limit=_SHOWN
    )
    return sorted(entries, key=lambda entry: entry.id)


async def promotion_events(store: Store, app: str) -> list[dict[str, Any]]:
    """The app's last promotions, as events about the Application (oldest first), in the shape
    of the cluster's Events the ``/events`` endpoint lists."""
    return [_event(app, entry) for entry in await promotions_into(store, app)]


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
