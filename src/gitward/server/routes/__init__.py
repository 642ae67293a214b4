"""The API's routes, one module per group of Argo CD's paths; ``ROUTERS`` in the order the app
factory mounts them."""

from fastapi import APIRouter

from gitward.server.routes import (
    accounts,
    applications,
    appsets,
    connections,
    details,
    meta,
    operations,
    permissions,
    projects,
    promotions,
    resources,
    revisions,
    session,
    stream,
    ui,
    webhook,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    meta.router,
    session.router,
    applications.router,
    appsets.router,
    operations.router,
    promotions.router,
    details.router,
    resources.router,
    revisions.router,
    stream.router,
    projects.router,
    connections.router,
    permissions.router,
    accounts.router,
    webhook.router,
    ui.router,
)
