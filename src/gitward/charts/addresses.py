"""Which chart repository hosts the server may reach on behalf of whoever may create apps.

A repoURL is a request the server makes for its users: pointed at ``127.0.0.1``, ``10.0.0.5``
or ``169.254.169.254`` it would let anyone who may create an Application probe the server's own
network (cloud metadata, databases, admin ports). So a chart repository whose host resolves to
a loopback, private, link-local or otherwise non-global address is refused unless the operator
allowed it (``gitward server --allow-private-chart-repos``); the offline CLI, run by the user on
their own machine, allows it. Every address the name resolves to must be allowed.

It must not fetch anything.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gitward.errors import ConfigError, Location

__all__ = ["AddressPolicy", "Resolver", "system_resolver"]

Resolver = Callable[[str], Iterable[str]]
"""Host name -> the IP addresses it resolves to."""


def system_resolver(host: str) -> list[str]:
    """The addresses the system resolver gives for ``host`` (empty when it gives none)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """``allow_private``: the operator let chart repositories live on non-public addresses."""

    allow_private: bool = False
    resolve: Resolver = system_resolver

    def check(self, host: str, *, where: Location | None = None) -> None:
        """Raise unless every address ``host`` resolves to may be reached."""
        if self.allow_private or not host:
            return
        for address in _addresses(host, self.resolve):
            if not _is_public(address):
                raise ConfigError(
                    f"chart repository host {host!r} resolves to the non-public address "
                    f"{address}, which this server does not reach for applications",
                    where=where,
                    hint="Use a repository on a public address, or start the server with "
                    "--allow-private-chart-repos (GITWARD_ALLOW_PRIVATE_CHART_REPOS=1) if "
                    "every user who may create applications may reach that network",
                )


def _addresses(host: str, resolve: Resolver) -> list[str]:
    bare = host.strip("[]")
    try:
        return [str(ipaddress.ip_address(bare))]
    except ValueError:
        return list(resolve(bare))


def _is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
