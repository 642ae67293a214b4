"""The errors of authentication, each with a stable ``code`` the API sends to clients.

Messages say what failed without helping an attacker: a failed login never says whether the
account exists, and no message carries a password, a token or a client secret. Codes are part of
the API; never rename one.

::

    GitwardError
    └── AuthError                      code
        ├── UnauthenticatedError       unauthenticated   no credentials, or wrong ones
        ├── TokenExpiredError          token_expired     the token was good and has expired
        ├── TokenInvalidError          token_invalid     forged, malformed, revoked or unknown
        ├── RateLimitedError †         rate_limited      too many attempts; ``retry_after``
        ├── PasswordRejectedError *    password_rejected the new password breaks the policy
        └── OidcError                  oidc_failed       the OIDC login could not be completed
            └── OidcUnavailableError † oidc_unavailable  the provider could not be reached

    * also a ConfigError; † also a TransientError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from gitward.errors import ConfigError, GitwardError, Location, TransientError

if TYPE_CHECKING:
    from gitward.server.auth.attempts import LoginAttempt

__all__ = [
    "AuthError",
    "OidcError",
    "OidcUnavailableError",
    "PasswordRejectedError",
    "RateLimitedError",
    "TokenExpiredError",
    "TokenInvalidError",
    "UnauthenticatedError",
]


class AuthError(GitwardError):
    """Authentication failed; ``code`` says how, in a word a client can switch on.

    ``attempt`` is set when a login failed: what the audit log should record about it.
    """

    code: ClassVar[str] = "unauthenticated"

    def __init__(
        self,
        problem: str,
        *,
        where: Location | None = None,
        hint: str = "",
        attempt: LoginAttempt | None = None,
    ) -> None:
        self.attempt = attempt
        super().__init__(problem, where=where, hint=hint)


class UnauthenticatedError(AuthError):
    """No credentials were presented where they are needed, or they were wrong."""

    code = "unauthenticated"


class TokenExpiredError(AuthError):
    """The token was issued by gitward and has expired: log in again."""

    code = "token_expired"


class TokenInvalidError(AuthError):
    """The token is malformed, forged, for another audience, revoked or unknown."""

    code = "token_invalid"


class RateLimitedError(AuthError, TransientError):
    """Too many login attempts; ``retry_after`` is how many seconds to wait."""

    code = "rate_limited"

    def __init__(
        self,
        problem: str,
        *,
        retry_after: float,
        where: Location | None = None,
        hint: str = "",
        attempt: LoginAttempt | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(problem, where=where, hint=hint, attempt=attempt)


class PasswordRejectedError(AuthError, ConfigError):
    """A new password does not meet the password policy."""

    code = "password_rejected"


class OidcError(AuthError):
    """The single sign-on login failed: a bad state, nonce or ID token, or a refusal."""

    code = "oidc_failed"


class OidcUnavailableError(OidcError, TransientError):
    """The OIDC provider could not be reached or answered with a server error."""

    code = "oidc_unavailable"
