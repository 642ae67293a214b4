"""The server's automatic promotion: the follower of ``gitward.io/promote-from`` annotations,
started beside the controller it listens to, pushing with the repositories' stored credentials.

This module only wires: the rules are ``gitward.controller.following``'s.
"""

from __future__ import annotations

import asyncio

from gitward.controller.following import Follower
from gitward.controller.promoting import Promotions
from gitward.server.services import Services

__all__ = ["follow_promotions"]


def follow_promotions(services: Services) -> asyncio.Task[None]:
    """Start following; the task runs until cancelled."""
    controller = services.controller
    promotions = Promotions(controller, services.repo_credentials.lookup)
    follower = Follower(promotions, services.store, controller.events)
    return asyncio.get_running_loop().create_task(follower.follow())
