"""What the API's handlers work with, gathered in one value the app factory is given.

The store, the controller, authentication, the RBAC policy in force, the webhook queue, the
metrics, the registrations of clusters added through the API, and the few settings the
handlers read. Tests build one over a real store and hand it to
:func:`gitward.server.app.build_app`; ``gitward.server.running`` builds the real one. It must
not start or stop anything itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitward.controller.loop import Controller
from gitward.delivery.pullrequests import GitHosts
from gitward.server.auth import Authenticator, CookiePolicy, OidcLogin
from gitward.server.intake import WebhookIntake
from gitward.server.policies import PolicyHolder
from gitward.store import Store

if TYPE_CHECKING:
    from gitward.server.hooks import WebhookQueue
    from gitward.server.metrics import Metrics
    from gitward.server.registrations import ClusterRegistrations
    from gitward.server.repocreds import RepoCredentials

__all__ = ["Services"]


@dataclass
class Services:
    """Everything a request may need (see the module docstring)."""

    store: Store
    controller: Controller
    authenticator: Authenticator
    policies: PolicyHolder
    metrics: Metrics
    webhooks: WebhookQueue
    repo_credentials: RepoCredentials
    clusters: ClusterRegistrations
    """Clusters added through the API, in the controller's cluster registry."""
    version: str = "0.1.0"
    cookies: CookiePolicy = field(default_factory=CookiePolicy)
    tls: bool = False
    allowed_origins: tuple[str, ...] = ()
    """Origins gitward is served from; empty: the request's own host."""
    webhook_intake: WebhookIntake = field(default_factory=WebhookIntake)
    """The webhook's secrets, size and shape limits, and parse slots."""
    oidc: OidcLogin | None = None
    """Single sign-on, when an OIDC provider is configured."""
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the server stops: long-lived streams end."""
    public_settings: Mapping[str, Any] = field(default_factory=dict)
    """What ``GET /api/v1/settings`` shows a logged-in user: nothing sensitive."""
    git_hosts: GitHosts = field(default_factory=GitHosts)
    """Self-hosted GitHub and GitLab installs, for promotion pull requests (``--git-host``)."""
