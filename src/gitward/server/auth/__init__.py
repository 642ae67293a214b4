"""Authentication for gitward's API server, framework-free so the HTTP layer stays thin.

- ``accounts``: :class:`Authenticator`: the first start's admin, logins, sessions, API tokens,
  ``authenticate(bearer) -> Principal``.
- ``passwords``: argon2id hashes, the password policy, random passwords.
- ``tokens``: gitward's JWTs (HS256 pinned; ``iss``, ``aud``, ``exp``, ``nbf``, ``jti``).
- ``ratelimit``: login limits per address, overall and per username, kept in the store.
- ``oidc``: single sign-on by OpenID Connect (authorization code with PKCE).
- ``cookies``: the session cookie's attributes and the cross-site request check.
- ``failures``: the errors, each with a stable ``code``.

Authorization (may this principal do that?) is ``gitward.server.rbac``'s; nothing here decides
it. Nothing here logs a password, a token or a client secret.
"""

from gitward.server.auth.accounts import ApiToken, Authenticator, Session
from gitward.server.auth.attempts import LoginAttempt, LoginOutcome
from gitward.server.auth.config import AuthConfig
from gitward.server.auth.cookies import CookiePolicy, is_safe_state_changing_request
from gitward.server.auth.failures import (
    AuthError,
    OidcError,
    OidcUnavailableError,
    PasswordRejectedError,
    RateLimitedError,
    TokenExpiredError,
    TokenInvalidError,
    UnauthenticatedError,
)
from gitward.server.auth.oidc import AuthorizationRequest, OidcConfig, OidcLogin, OidcResult
from gitward.server.auth.passwords import PasswordPolicy, Passwords, generate_password
from gitward.server.auth.principals import (
    ANONYMOUS,
    Principal,
    PrincipalKind,
    project_role_subject,
)
from gitward.server.auth.ratelimit import Allowance, LoginLimits

__all__ = [
    "ANONYMOUS",
    "Allowance",
    "ApiToken",
    "AuthConfig",
    "AuthError",
    "Authenticator",
    "AuthorizationRequest",
    "CookiePolicy",
    "LoginAttempt",
    "LoginLimits",
    "LoginOutcome",
    "OidcConfig",
    "OidcError",
    "OidcLogin",
    "OidcResult",
    "OidcUnavailableError",
    "PasswordPolicy",
    "PasswordRejectedError",
    "Passwords",
    "Principal",
    "PrincipalKind",
    "RateLimitedError",
    "Session",
    "TokenExpiredError",
    "TokenInvalidError",
    "UnauthenticatedError",
    "generate_password",
    "is_safe_state_changing_request",
    "project_role_subject",
]
