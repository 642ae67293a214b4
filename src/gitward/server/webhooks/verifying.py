"""Check that a delivery comes from the provider: HMAC signatures and shared tokens.

Each check runs only when a secret is configured for the provider (as in Argo CD); then a
missing or wrong signature refuses the delivery. Comparisons are constant-time
(``hmac.compare_digest``). Nothing here logs or repeats a secret or a signature.
"""

from __future__ import annotations

import hashlib
import hmac

from gitward.errors import Location
from gitward.server.webhooks.errors import BAD_SIGNATURE, MISSING_SIGNATURE, WebhookError

__all__ = ["check_hmac_sha256", "check_token"]


def check_hmac_sha256(
    body: bytes, secret: str, header_value: str | None, header: str, provider: str
) -> None:
    """``header_value`` must be ``sha256=<hex HMAC-SHA256 of body keyed by secret>``."""
    if not secret:
        return
    given = _present(header_value, header, provider)
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"sha256={digest}".encode(), given.lower().encode()):
        raise WebhookError(
            BAD_SIGNATURE,
            f"the {header} header does not match the payload signed with the configured secret",
            where=Location(obj=f"{provider} webhook", field=header),
            hint="check that the webhook's secret in the provider equals gitward's",
        )


def check_token(secret: str, header_value: str | None, header: str, provider: str) -> None:
    """``header_value`` must equal ``secret`` (GitLab's token, Bitbucket's hook UUID)."""
    if not secret:
        return
    given = _present(header_value, header, provider)
    if not hmac.compare_digest(secret.encode("utf-8"), given.encode("utf-8")):
        raise WebhookError(
            BAD_SIGNATURE,
            f"the {header} header does not match the configured secret",
            where=Location(obj=f"{provider} webhook", field=header),
            hint="check that the webhook's secret in the provider equals gitward's",
        )


def _present(header_value: str | None, header: str, provider: str) -> str:
    if not header_value or not header_value.strip():
        raise WebhookError(
            MISSING_SIGNATURE,
            f"a secret is configured for {provider} webhooks but the {header} header is missing",
            where=Location(obj=f"{provider} webhook", field=header),
            hint="set the same secret on the webhook in the provider",
        )
    return header_value.strip()
