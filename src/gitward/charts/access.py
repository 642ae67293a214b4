"""How to reach one chart repository: its credentials and TLS settings (never shown).

Built from the repository store (``gitward repo add URL --username ... --password ...``, a bearer
token, a CA, ``--insecure``) by the server, or empty for the offline CLI. ``secrets()`` lists what
every message must be scrubbed of; the repr says which values are set, never what they are.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["AccessLookup", "ChartAccess"]


@dataclass(frozen=True, slots=True, repr=False)
class ChartAccess:
    """Credentials of a chart repository or OCI registry.

    ``insecure`` skips TLS verification and, for an OCI registry, speaks plain HTTP (a registry
    on the operator's own network); ``ca_data`` is a PEM bundle trusted besides the system's.
    """

    username: str = ""
    password: str = ""
    bearer_token: str = ""
    ca_data: str = ""
    insecure: bool = False

    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.password, self.bearer_token) if value)

    def headers(self) -> dict[str, str]:
        """The Authorization header an HTTP chart repository is sent (none without credentials)."""
        if self.bearer_token:
            return {"Authorization": f"Bearer {self.bearer_token}"}
        return {}

    def basic_auth(self) -> tuple[str, str] | None:
        if self.username and not self.bearer_token:
            return (self.username, self.password)
        return None

    def verify(self) -> ssl.SSLContext | bool:
        """What httpx verifies the server's certificate with (built once per CA bundle: loading
        the system's certificates costs tens of milliseconds)."""
        if self.insecure:
            return False
        return _tls_context(self.ca_data)

    def __repr__(self) -> str:
        shown = [name for name in ("password", "bearer_token", "ca_data") if getattr(self, name)]
        hidden = "".join(f", {name}=<hidden>" for name in shown)
        return f"ChartAccess(username={self.username!r}{hidden}, insecure={self.insecure})"


@functools.lru_cache(maxsize=32)
def _tls_context(ca_data: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_data:
        context.load_verify_locations(cadata=ca_data)
    return context


AccessLookup = Callable[[str], ChartAccess | None]
"""A repository URL -> its access settings, or None for anonymous access."""
