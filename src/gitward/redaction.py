"""Keep credentials out of every message, log line and API response.

The only place that knows what a secret looks like inside free text: URLs with userinfo,
``Authorization`` headers and bearer tokens. It must not import anything of gitward's.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "carries_credentials", "redact", "redact_url"]

MASK = "******"

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_AUTH_HEADER = re.compile(r"(?i)(authorization:\s*(?:bearer|basic|token)\s+)\S+")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def redact_url(url: str) -> str:
    """``https://user:token@host/x`` -> ``https://******@host/x``; other URLs unchanged."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", url)


def carries_credentials(url: str) -> bool:
    """Whether ``url`` holds a secret in its userinfo: a password (``user:pass@``, any scheme)
    or, over HTTP(S), a user alone (``https://TOKEN@host`` is how tokens are often given). An
    SSH user (``ssh://git@host``, ``git@host:x``) is an address, not a secret."""
    found = _USERINFO.search(url.strip())
    if found is None or found.start() != 0:
        return False
    scheme = found["scheme"].removesuffix("://").lower()
    return ":" in found["userinfo"] or scheme in ("http", "https")


def redact(text: str, *secrets: str) -> str:
    """Remove userinfo from URLs, tokens from auth headers, and each given secret verbatim."""
    cleaned = _AUTH_HEADER.sub(rf"\g<1>{MASK}", redact_url(text))
    cleaned = _BEARER.sub(rf"\g<1>{MASK}", cleaned)
    for secret in secrets:
        if secret:
            cleaned = cleaned.replace(secret, MASK)
    return cleaned
