"""The clusters gitward may deploy to, found the way an Application's destination names them.

An Application names its cluster by ``spec.destination.server`` (an API URL) or
``spec.destination.name``, never both. ``https://kubernetes.default.svc`` (name ``in-cluster``)
is the cluster gitward itself runs in: its service account when gitward runs in a pod, or
whichever configured cluster claims that address (the demo maps it to the sandbox's kubeconfig
context). One client per cluster is made on first use and kept. This module must not send
requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from gitward.errors import ClusterConfigError, Location
from gitward.kube.access import SERVICE_ACCOUNT_DIR, ClusterAccess, service_account_available
from gitward.kube.cluster import Cluster
from gitward.kube.remote import RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER

__all__ = ["Clusters", "Connector"]

Connector = Callable[[ClusterAccess], Cluster]
"""Makes the client for one cluster (the seam tests replace)."""


class Clusters:
    """A registry of :class:`ClusterAccess`, addressed by destination server URL or name."""

    def __init__(
        self,
        accesses: Iterable[ClusterAccess] = (),
        *,
        environ: Mapping[str, str] | None = None,
        connect: Connector | None = None,
        service_account_dir: Path = SERVICE_ACCOUNT_DIR,
    ) -> None:
        self._accesses = tuple(accesses)
        self._environ = environ
        self._service_account_dir = service_account_dir
        self._connect = connect or (lambda access: RemoteCluster.connect(access, environ=environ))
        self._clients: dict[ClusterAccess, Cluster] = {}

    def access(self, *, server: str = "", name: str = "") -> ClusterAccess:
        """The configured cluster an Application's destination names."""
        where = Location(obj="destination", field="server" if server else "name")
        if server and name:
            raise ClusterConfigError(
                "a destination sets both server and name",
                where=where,
                hint="Set spec.destination.server or spec.destination.name, not both",
            )
        if not (server or name):
            raise ClusterConfigError(
                "a destination sets neither server nor name",
                where=where,
                hint="Set spec.destination.server or spec.destination.name",
            )
        found = self._find(_normal(server), name)
        if found is None:
            raise ClusterConfigError(
                f"no cluster is configured for {'server ' + server if server else 'name ' + name}",
                where=where,
                hint="Register the cluster with gitward (kubeconfig context or bearer token)",
            )
        return found

    def cluster(self, *, server: str = "", name: str = "") -> Cluster:
        """The client for a destination, made on first use."""
        access = self.access(server=server, name=name)
        if access not in self._clients:
            self._clients[access] = self._connect(access)
        return self._clients[access]

    async def close(self) -> None:
        """Close every client made so far."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()

    def _find(self, server: str, name: str) -> ClusterAccess | None:
        for access in self._accesses:
            if (server and _normal(access.server) == server) or (name and access.name == name):
                return access
        in_cluster = server == IN_CLUSTER_SERVER or name == IN_CLUSTER_NAME
        if in_cluster and service_account_available(self._service_account_dir, self._environ):
            return ClusterAccess(
                server=IN_CLUSTER_SERVER,
                name=IN_CLUSTER_NAME,
                in_cluster=True,
                service_account_dir=self._service_account_dir,
            )
        return None


def _normal(server: str) -> str:
    return server.strip().rstrip("/")
