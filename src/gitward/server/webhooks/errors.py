"""The one error a webhook delivery can end in, with the HTTP status to answer.

Messages name the provider and the payload field, never a secret, a signature or the body.
"""

from __future__ import annotations

from gitward.errors import GitwardError, Location

__all__ = [
    "BAD_SIGNATURE",
    "MALFORMED",
    "MISSING_SIGNATURE",
    "TOO_LARGE",
    "UNKNOWN_PROVIDER",
    "UNSUPPORTED_EVENT",
    "WebhookError",
]

MALFORMED = "malformed"
TOO_LARGE = "too_large"
UNKNOWN_PROVIDER = "unknown_provider"
UNSUPPORTED_EVENT = "unsupported_event"
MISSING_SIGNATURE = "missing_signature"
BAD_SIGNATURE = "bad_signature"

_STATUS = {
    MALFORMED: 400,
    TOO_LARGE: 413,
    UNKNOWN_PROVIDER: 400,
    UNSUPPORTED_EVENT: 400,
    MISSING_SIGNATURE: 401,
    BAD_SIGNATURE: 401,
}


class WebhookError(GitwardError):
    """A delivery gitward refuses. ``code`` says why in one word, ``status`` is the HTTP status
    to answer with (400, 401 or 413)."""

    def __init__(
        self, code: str, problem: str, *, where: Location | None = None, hint: str = ""
    ) -> None:
        self.code = code
        self.status = _STATUS.get(code, 400)
        super().__init__(problem, where=where, hint=hint)
