"""The authentication package's public surface, and its error codes, are stable."""

from __future__ import annotations

import gitward.server.auth
from gitward.errors import ConfigError, GitwardError, TransientError
from gitward.server.auth import (
    AuthError,
    OidcError,
    OidcUnavailableError,
    PasswordRejectedError,
    RateLimitedError,
    TokenExpiredError,
    TokenInvalidError,
    UnauthenticatedError,
)


def test_every_public_name_is_importable() -> None:
    names = gitward.server.auth.__all__
    assert [name for name in names if not hasattr(gitward.server.auth, name)] == []
    assert "Authenticator" in names
    assert "Principal" in names


def test_error_codes_are_the_documented_ones() -> None:
    codes = {
        error: error.code
        for error in (
            UnauthenticatedError,
            TokenExpiredError,
            TokenInvalidError,
            RateLimitedError,
            PasswordRejectedError,
            OidcError,
            OidcUnavailableError,
        )
    }

    assert list(codes.values()) == [
        "unauthenticated",
        "token_expired",
        "token_invalid",
        "rate_limited",
        "password_rejected",
        "oidc_failed",
        "oidc_unavailable",
    ]
    assert all(issubclass(error, AuthError) for error in codes)
    assert issubclass(AuthError, GitwardError)


def test_error_kinds_decide_retries_as_elsewhere() -> None:
    assert issubclass(RateLimitedError, TransientError)
    assert issubclass(OidcUnavailableError, TransientError)
    assert issubclass(PasswordRejectedError, ConfigError)
    assert not issubclass(TokenInvalidError, TransientError)


def test_a_rate_limit_says_how_long_to_wait() -> None:
    error = RateLimitedError("too many login attempts", retry_after=12.5, hint="wait")

    assert (error.retry_after, error.message) == (12.5, "too many login attempts. wait")
