"""How the API fails: an HTTP status and ``{"code": "<stable code>", "message": "<one line>"}``.

Every refusal a handler or dependency makes is an :class:`ApiError`; every gitward error that
escapes a handler is mapped to one by :func:`api_error_of` (configuration errors are the
caller's: 400; transient ones 503; a live operation, a stale write or a sync window that blocks
the sync 409). Unknown objects and
forbidden ones give the same 403, so names cannot be enumerated, unless the caller may get the
object wherever it could be (then an unknown one is 404: see ``gitward.server.deps``). Codes
are part of the API: never rename one. Messages are redacted and never carry a secret; this
module does not log.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitward.errors import (
    ConfigError,
    GitwardError,
    SyncWindowError,
    TransientError,
    UsageError,
)
from gitward.redaction import redact
from gitward.server.auth import AuthError, PasswordRejectedError, RateLimitedError
from gitward.server.auth.failures import OidcUnavailableError
from gitward.store import (
    OperationRunningError,
    RecordInUseError,
    RecordNotFoundError,
    StaleWriteError,
)

__all__ = [
    "CONFLICT",
    "FORBIDDEN_MESSAGE",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    "RATE_LIMITED",
    "UNAUTHENTICATED",
    "UNAVAILABLE",
    "ApiError",
    "api_error_of",
    "denied",
    "invalid",
]

UNAUTHENTICATED = "unauthenticated"
PERMISSION_DENIED = "permission_denied"
INVALID_ARGUMENT = "invalid_argument"
CONFLICT = "conflict"
RATE_LIMITED = "rate_limited"
UNAVAILABLE = "unavailable"
NOT_FOUND = "not_found"
"""For paths the API does not serve, and for a missing object the caller may get wherever it
could be (anyone else gets 403 for it, as for a forbidden one)."""
INTERNAL = "internal"

FORBIDDEN_MESSAGE = "permission denied"
"""The one message of every 403 about an object: the same whether it exists or not."""


@dataclass(eq=False)
class ApiError(Exception):
    """A refusal with its HTTP status, stable code and one-line message."""

    status: int
    code: str
    message: str
    retry_after: float | None = None

    def __post_init__(self) -> None:
        self.message = redact(" ".join(self.message.split()))
        super().__init__(self.message)

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def denied() -> ApiError:
    """The 403 for an object the caller may not see, or that does not exist."""
    return ApiError(403, PERMISSION_DENIED, FORBIDDEN_MESSAGE)


def invalid(message: str) -> ApiError:
    return ApiError(400, INVALID_ARGUMENT, message)


_BY_KIND: tuple[tuple[type[GitwardError] | tuple[type[GitwardError], ...], int, str], ...] = (
    (PasswordRejectedError, 400, INVALID_ARGUMENT),
    (OidcUnavailableError, 503, UNAVAILABLE),
    (AuthError, 401, UNAUTHENTICATED),
    ((OperationRunningError, StaleWriteError, RecordInUseError, SyncWindowError), 409, CONFLICT),
    ((ConfigError, UsageError, RecordNotFoundError), 400, INVALID_ARGUMENT),
    (TransientError, 503, UNAVAILABLE),
)
"""The first kind an error is decides its answer; anything else is 500 ``internal``."""


def api_error_of(error: GitwardError) -> ApiError:
    """The API's answer to a gitward error that reached a handler's edge."""
    if isinstance(error, RateLimitedError):
        return ApiError(429, RATE_LIMITED, error.message, retry_after=error.retry_after)
    for kinds, status, code in _BY_KIND:
        if isinstance(error, kinds):
            return ApiError(status, code, error.message)
    return ApiError(500, INTERNAL, error.message)
