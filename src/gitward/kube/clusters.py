"""The clusters gitward may deploy to, found the way an Application's destination names them.

An Application names its cluster by ``spec.destination.server`` (an API URL) or
``spec.destination.name``, never both. ``https://kubernetes.default.svc`` (name ``in-cluster``)
is the cluster gitward itself runs in: its service account when gitward runs in a pod, or
whichever configured cluster claims that address (the demo maps it to the sandbox's kubeconfig
context). One client per cluster is made on first use and kept.

Two kinds of entries. *Configured* clusters come from the server's own configuration
(kubeconfig contexts, the in-cluster service account) and last as long as the process.
*Registered* clusters are added, replaced and forgotten while it runs (``POST`` and ``DELETE
/api/v1/clusters``). The configuration always wins: :meth:`Clusters.register` refuses a server
URL or a name that a configured cluster answers for. Argo CD lets a cluster secret for
``https://kubernetes.default.svc`` override its in-cluster default; gitward does not, because
anyone allowed to add clusters could then silently redirect every app deployed to the
operator's cluster, or swap the operator's credentials for their own. To change a configured
cluster, change the server's configuration.

Forgetting or replacing a registered cluster first awaits every ``on_retire`` listener (the
controller's live caches stop their watches), then closes the old client. This module must not
send requests and must not put a credential into any message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path

from gitward.errors import ClusterConfigError, Location
from gitward.kube.access import SERVICE_ACCOUNT_DIR, ClusterAccess, service_account_available
from gitward.kube.cluster import Cluster
from gitward.kube.remote import RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER

__all__ = ["Clusters", "Connector", "Retiring"]

Connector = Callable[[ClusterAccess], Cluster]
"""Makes the client for one cluster (the seam tests replace)."""

Retiring = Callable[[ClusterAccess], Awaitable[None]]
"""Told that a registered cluster's access is no longer used, before its client closes."""


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
        self._configured = tuple(accesses)
        self._registered: dict[str, ClusterAccess] = {}
        self._environ = environ
        self._service_account_dir = service_account_dir
        self._connect = connect or (lambda access: RemoteCluster.connect(access, environ=environ))
        self._clients: dict[ClusterAccess, Cluster] = {}
        self._retiring: list[Retiring] = []

    def access(self, *, server: str = "", name: str = "") -> ClusterAccess:
        """The cluster an Application's destination names (configured, then registered)."""
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

    # -- the configuration ---------------------------------------------------------------------

    def configured(self, *, server: str = "", name: str = "") -> ClusterAccess | None:
        """The configured cluster that answers for ``server`` or for ``name``, if one does
        (the in-cluster service account counts when gitward runs in a pod)."""
        wanted = _normal(server)
        for access in self._configured:
            if (wanted and _normal(access.server) == wanted) or (name and access.name == name):
                return access
        return self._service_account(wanted, name)

    # -- registering at runtime ----------------------------------------------------------------

    def registered(self) -> list[ClusterAccess]:
        """The registered clusters, by server URL."""
        return [self._registered[server] for server in sorted(self._registered)]

    def registered_at(self, server: str) -> ClusterAccess | None:
        """The cluster registered for ``server``, if any (configured ones are not)."""
        return self._registered.get(_normal(server))

    async def register(self, access: ClusterAccess) -> None:
        """Use ``access`` from now on for its server URL and name, replacing (and retiring)
        what was registered for that server before. Refuses what the configuration answers
        for, and a name another registered cluster holds."""
        server = _normal(access.server)
        self._check_registrable(server, access)
        previous = self._registered.get(server)
        self._registered[server] = access
        if previous is not None and previous != access:
            await self._retire(previous)

    async def forget(self, server: str) -> ClusterAccess | None:
        """Stop using the cluster registered for ``server``; what it was, or None."""
        access = self._registered.pop(_normal(server), None)
        if access is not None:
            await self._retire(access)
        return access

    def on_retire(self, listener: Retiring) -> Callable[[], None]:
        """Await ``listener`` whenever a registered access is forgotten or replaced, before
        its client closes; returns the function that unsubscribes."""
        self._retiring.append(listener)
        return lambda: self._retiring.remove(listener)

    async def close(self) -> None:
        """Close every client made so far (the registrations stay)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()

    # -- inside --------------------------------------------------------------------------------

    def _find(self, server: str, name: str) -> ClusterAccess | None:
        for access in self._configured:
            if (server and _normal(access.server) == server) or (name and access.name == name):
                return access
        if server and server in self._registered:
            return self._registered[server]
        for access in self._registered.values():
            if name and access.name == name:
                return access
        return self._service_account(server, name)

    def _service_account(self, server: str, name: str) -> ClusterAccess | None:
        in_cluster = server == IN_CLUSTER_SERVER or name == IN_CLUSTER_NAME
        if in_cluster and service_account_available(self._service_account_dir, self._environ):
            return ClusterAccess(
                server=IN_CLUSTER_SERVER,
                name=IN_CLUSTER_NAME,
                in_cluster=True,
                service_account_dir=self._service_account_dir,
            )
        return None

    def _check_registrable(self, server: str, access: ClusterAccess) -> None:
        where = Location(obj=f"cluster {server or '(no server)'}")
        if not server:
            raise ClusterConfigError(
                "a cluster needs a server URL", where=where.at("server"), hint=_SERVER_HINT
            )
        held = self.configured(server=server, name=access.name)
        if held is not None:
            field = "server" if _normal(held.server) == server else "name"
            raise ClusterConfigError(
                f"the cluster {held.label} ({held.server}) comes from gitward's configuration "
                f"({_source(held)}); a registration cannot replace it",
                where=where.at(field),
                hint="Change the server's configuration instead, or register the cluster "
                "under another server URL and name",
            )
        for other, registered in self._registered.items():
            if access.name and registered.name == access.name and other != server:
                raise ClusterConfigError(
                    f"the name {access.name!r} is already used by the cluster {other}",
                    where=where.at("name"),
                    hint="Give each cluster its own name",
                )

    async def _retire(self, access: ClusterAccess) -> None:
        try:
            for listener in list(self._retiring):
                await listener(access)
        finally:
            client = self._clients.pop(access, None)
            if client is not None:
                await client.close()


_SERVER_HINT = "Give the cluster's API URL, such as https://host:6443"


def _source(access: ClusterAccess) -> str:
    if access.in_cluster:
        return "the in-cluster service account"
    if access.kubeconfig is not None:
        context = f", context {access.context}" if access.context else ""
        return f"kubeconfig {access.kubeconfig}{context}"
    return "the server's cluster list"


def _normal(server: str) -> str:
    return server.strip().rstrip("/")
