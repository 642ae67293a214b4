"""The session cookie's attributes, and which requests a cookie may authorise a change for.

A browser sends cookies along with requests other sites trigger (a form posted from elsewhere).
Two defences, both pure functions here so the transport layer stays thin:

- the cookie is ``HttpOnly`` (no script reads it), ``Secure`` whenever gitward is served over
  TLS, and ``SameSite=Lax`` (or ``Strict``): never sent on a cross-site POST;
- a state-changing request must say ``Content-Type: application/json``. An HTML form can only
  send ``application/x-www-form-urlencoded``, ``multipart/form-data`` or ``text/plain``, and a
  cross-site script sending JSON needs a CORS preflight that gitward never grants; so a forged
  request cannot reach a handler. A present ``Origin`` must also be one gitward is served from.

This module does not read or write HTTP messages itself.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Literal

__all__ = [
    "SAFE_METHODS",
    "CookiePolicy",
    "is_safe_state_changing_request",
    "refusal_reason",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing, so need no check (handlers must keep it so)."""
JSON = "application/json"
_COOKIE_VALUE_FORBIDDEN = frozenset(' ",;\\\t\r\n')


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """How the session cookie is set."""

    name: str = "gitward.token"
    same_site: Literal["Lax", "Strict"] = "Lax"
    """``Lax`` keeps a login when following a link into gitward; ``Strict`` does not."""
    path: str = "/"

    def __post_init__(self) -> None:
        if self.same_site not in {"Lax", "Strict"}:
            raise ValueError("the session cookie's SameSite is Lax or Strict, never None")

    def set_cookie(self, value: str, *, tls: bool, expires_at: datetime) -> str:
        """The ``Set-Cookie`` header value that stores ``value`` until ``expires_at``."""
        if not value or any(char in _COOKIE_VALUE_FORBIDDEN for char in value):
            raise ValueError("a cookie value cannot hold spaces, quotes, commas or semicolons")
        expires = format_datetime(expires_at, usegmt=True)
        return self._header(f"{self.name}={value}", f"Expires={expires}", tls=tls)

    def clear_cookie(self, *, tls: bool) -> str:
        """The ``Set-Cookie`` header value that removes the cookie (at logout)."""
        return self._header(
            f"{self.name}=", "Expires=Thu, 01 Jan 1970 00:00:00 GMT", "Max-Age=0", tls=tls
        )

    def _header(self, *parts: str, tls: bool) -> str:
        attributes = [*parts, f"Path={self.path}", "HttpOnly", f"SameSite={self.same_site}"]
        if tls:
            attributes.append("Secure")
        return "; ".join(attributes)


def refusal_reason(
    method: str,
    content_type: str | None,
    origin: str | None = None,
    *,
    allowed_origins: Collection[str] = (),
) -> str | None:
    """Why a cookie-authorised request must be refused as a possible cross-site forgery, or
    None when it may go on. ``allowed_origins`` are the origins gitward is served from
    (``https://gitward.example.com``); when given, a present ``Origin`` must be one of them."""
    verb = method.strip().upper()
    if verb in SAFE_METHODS:
        return None
    if origin is not None:
        seen = origin.strip().rstrip("/").lower()
        if seen == "null":
            return "the request comes from an opaque origin"
        if allowed_origins and seen not in {o.rstrip("/").lower() for o in allowed_origins}:
            return f"the request comes from another origin ({seen})"
    if content_type is None or not content_type.strip():
        # Browsers cannot send a cross-site DELETE without a preflight; a bodiless POST can.
        return None if verb == "DELETE" else f"a {verb} request must send {JSON}"
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != JSON:
        return f"a {verb} request must send {JSON}, not {media_type or 'nothing'}"
    return None


def is_safe_state_changing_request(
    method: str,
    content_type: str | None,
    origin: str | None = None,
    *,
    allowed_origins: Collection[str] = (),
) -> bool:
    """Whether a cookie-authorised request may go on (see :func:`refusal_reason`)."""
    return refusal_reason(method, content_type, origin, allowed_origins=allowed_origins) is None
