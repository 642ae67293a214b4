"""How much of a webhook delivery gitward will read and decode, decided before it decodes.

A JSON document costs far more memory decoded than as text: ``{},`` is 3 bytes and an empty
dict 64, so 45 MB of empty commit objects became gigabytes. Two rules bound that:

- **Size**: a provider with a secret configured may send up to ``max_bytes`` (Argo CD's 50 MB);
  one without (anyone can send those) only ``unsigned_max_bytes`` (1 MB by default).
- **Shape** (``ParseBudget``): before ``json.loads`` runs, a scan at C speed (the strings cut
  out, the brackets kept) counts the values and the nesting depth; a payload with more than
  ``max_values`` values or nested deeper than ``max_depth`` is refused without being decoded.

Pure: bytes in, a refusal or nothing out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitward.errors import Location
from gitward.server.webhooks.errors import MALFORMED, TOO_LARGE, WebhookError
from gitward.server.webhooks.pushes import (
    BITBUCKET,
    BITBUCKET_SERVER,
    GITHUB,
    GITLAB,
    WebhookSecrets,
)

__all__ = [
    "DEFAULT_UNSIGNED_MAX_BYTES",
    "ParseBudget",
    "check_shape",
    "has_secret",
    "size_limit",
]

DEFAULT_UNSIGNED_MAX_BYTES = 1024 * 1024
"""The largest body read from a provider with no secret configured (1 MB): a GitHub push of
20 commits is a few tens of kilobytes."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


@dataclass(frozen=True, slots=True)
class ParseBudget:
    """The shape a payload may have: at most ``max_values`` JSON values (objects, lists,
    strings, numbers...) nested at most ``max_depth`` deep. Real push payloads are a few
    levels deep; 2,048 commits with their file lists stay far below the value count."""

    max_depth: int = 64
    max_values: int = 200_000


def has_secret(secrets: WebhookSecrets, provider: str) -> bool:
    """Whether deliveries from ``provider`` are verified (a secret or token is configured)."""
    configured = {
        GITHUB: (secrets.github,),
        GITLAB: (secrets.gitlab,),
        BITBUCKET: (secrets.bitbucket, secrets.bitbucket_uuid),
        BITBUCKET_SERVER: (secrets.bitbucket_server,),
    }
    return any(configured.get(provider, ()))


def size_limit(
    secrets: WebhookSecrets, provider: str | None, max_bytes: int, unsigned_max_bytes: int
) -> int:
    """The largest body read from ``provider`` (None: not known yet, the smaller limit)."""
    if provider is not None and has_secret(secrets, provider):
        return max_bytes
    return min(max_bytes, unsigned_max_bytes)


def check_shape(text: bytes, budget: ParseBudget, provider: str) -> None:
    """Refuse ``text`` when decoding it would exceed ``budget`` (see the module docstring)."""
    where = Location(obj=f"{provider} webhook")
    skeleton = _STRING.sub(b'""', text)
    values = skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{") + 1
    if values > budget.max_values:
        raise WebhookError(
            TOO_LARGE,
            f"the payload has more than {budget.max_values} JSON values",
            where=where,
            hint="a git provider's push payload never has that many; check the sender",
        )
    brackets = skeleton.translate(None, delete=_NOT_BRACKETS)
    for _ in range(budget.max_depth):
        inner = brackets.replace(b"{}", b"").replace(b"[]", b"")
        if inner == brackets:
            return  # balanced (empty) or malformed: json.loads says which
        brackets = inner
    if brackets:
        raise WebhookError(
            MALFORMED, f"the payload is nested deeper than {budget.max_depth} levels", where=where
        )
