"""Clusters added through the API, kept in the controller's cluster registry.

The store keeps what ``POST /api/v1/clusters`` was given (credentials sealed at rest); the
controller finds clusters through :class:`gitward.kube.Clusters`, which lives in memory. This
module puts every stored cluster into that registry when the server starts, registers or
forgets one as soon as the API changes it, and asks the controller to refresh the apps whose
destination names it, so they use the new credentials (or report the missing cluster) without
waiting for the next reconciliation period.

Bearer tokens go from the store to the registry and nowhere else: never into a log line, an
error or an answer. This module must not decide which cluster wins a conflict with the server's
configuration (:class:`gitward.kube.Clusters` does) nor talk to a cluster.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from gitward.errors import ClusterConfigError, GitwardError, Location
from gitward.kube import ClusterAccess, Clusters
from gitward.redaction import redact
from gitward.store import ClusterRecord, Store

__all__ = ["ClusterRegistrations"]

log = logging.getLogger(__name__)


class ClusterRegistrations:
    """The API's side of the cluster registry (see the module docstring)."""

    def __init__(self, clusters: Clusters, store: Store, refresh: Callable[[str], None]) -> None:
        self.registry = clusters
        self._store = store
        self._refresh = refresh

    def __repr__(self) -> str:
        return f"ClusterRegistrations({len(self.registry.registered())} registered)"

    def refusal(self, server: str, name: str) -> str | None:
        """Why a registration of ``server`` (called ``name``) would be refused because the
        server's configuration answers for it; None when it would not."""
        held = self.registry.configured(server=server, name=name or server)
        if held is None:
            return None
        return (
            f"the cluster {held.label} ({held.server}) comes from gitward's configuration and "
            "cannot be registered or replaced through the API; change the server's "
            "configuration, or register the cluster under another server URL and name"
        )

    async def load(self) -> int:
        """Register every stored cluster; one that cannot be used is logged and skipped.
        Returns how many were registered."""
        registered = 0
        for record in await self._store.clusters.list():
            try:
                await self._register(record)
            except GitwardError as err:
                log.warning(
                    "the stored cluster %s is not used: %s", record.server, redact(str(err))
                )
                continue
            registered += 1
        return registered

    async def register(self, record: ClusterRecord) -> None:
        """Use the stored cluster ``record`` from now on (replacing an earlier registration of
        its server), and refresh the apps that name it."""
        before = self.registry.registered_at(record.server)
        await self._register(record)
        names = {record.name, before.name if before is not None else ""}
        await self._refresh_apps(record.server, names)

    async def forget(self, server: str) -> None:
        """Stop using the cluster registered for ``server`` and refresh the apps that named
        it (they report that no cluster is configured)."""
        gone = await self.registry.forget(server)
        await self._refresh_apps(server, {gone.name if gone is not None else ""})

    async def _register(self, record: ClusterRecord) -> None:
        credentials = await self._store.clusters.credentials_for(record.server)
        if credentials is None:
            raise ClusterConfigError(
                "the cluster was removed meanwhile",
                where=Location(obj=f"cluster {record.name}"),
                hint="Register it again",
            )
        access = ClusterAccess(
            server=record.server,
            name=record.name,
            bearer_token=credentials.bearer_token or None,
            ca_data=credentials.ca_data or None,
            insecure=record.insecure,
        )
        await self.registry.register(access)

    async def _refresh_apps(self, server: str, names: set[str]) -> None:
        wanted = _normal(server)
        names.discard("")
        for app in await self._store.apps.list():
            if _normal(app.dest_server) == wanted or (app.dest_name and app.dest_name in names):
                self._refresh(app.name)


def _normal(server: str) -> str:
    return server.strip().rstrip("/")
