"""gitward's own JSON Web Tokens: sessions, API tokens and OIDC login state, signed HS256.

The algorithm is pinned: a token whose header names anything but HS256 (``none``, RS256 signed
with some public key, ...) is refused before its signature is looked at. Every token carries
``iss``, ``aud``, ``sub``, ``jti``, ``iat`` and ``nbf``; sessions also ``exp``. Times are checked
against the injected clock, not PyJWT's, so tests move time instead of sleeping. This module
says whether a token is *well-formed and signed by us*; whether its account still exists or its
API token was revoked is for ``accounts``. No message carries a token or the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from gitward.server.auth.failures import TokenExpiredError, TokenInvalidError

__all__ = [
    "ALGORITHM",
    "AUDIENCE",
    "ISSUER",
    "MAX_TOKEN_LENGTH",
    "Claims",
    "IssuedToken",
    "TokenKind",
    "TokenSigner",
    "check_times",
    "describe_refusal",
]

ALGORITHM = "HS256"
ISSUER = "gitward"
AUDIENCE = "gitward"
MAX_TOKEN_LENGTH = 8192
"""Longer bearer tokens are refused unread."""
DEFAULT_LEEWAY = timedelta(seconds=30)
MIN_KEY_BYTES = 32
_REQUIRED = ("iss", "aud", "sub", "jti", "iat", "nbf", "kind")

Clock = Callable[[], datetime]


class TokenKind(StrEnum):
    """What a token is for; a token of one kind is never accepted as another."""

    SESSION = "session"
    """A login through the UI, CLI or single sign-on: expires, and ends at logout."""
    API = "api"
    """An API token of an account or a project role: checked against the store on every use."""
    LOGIN_STATE = "login_state"
    """The OIDC login in progress (state, nonce, PKCE verifier), between redirect and callback."""


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says."""

    subject: str
    token_id: str
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime | None
    groups: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    """The token's other claims (``src``, an OIDC login's state, ...)."""


@dataclass(frozen=True, slots=True, repr=False)
class IssuedToken:
    """A freshly signed token with its claims; the repr never shows the token."""

    token: str
    claims: Claims

    def __repr__(self) -> str:
        return f"IssuedToken(id={self.claims.token_id!r}, subject={self.claims.subject!r})"


def check_times(
    payload: Mapping[str, Any], now: datetime, leeway: timedelta, *, require_exp: bool
) -> None:
    """Refuse a token not yet valid (``nbf``, ``iat`` in the future) or expired (``exp``)."""
    moment = now.timestamp()
    slack = leeway.total_seconds()
    for claim in ("iat", "nbf", "exp"):
        value = payload.get(claim)
        if value is None:
            if claim == "exp" and require_exp:
                raise TokenInvalidError("the token has no expiry", hint="log in again")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TokenInvalidError(f"the token's {claim} is not a time", hint="log in again")
    if payload["iat"] > moment + slack or payload["nbf"] > moment + slack:
        raise TokenInvalidError("the token is not valid yet", hint="check the server's clock")
    expiry = payload.get("exp")
    if expiry is not None and expiry <= moment - slack:
        raise TokenExpiredError("the token has expired", hint="log in again")


class TokenSigner:
    """Issues and verifies gitward's tokens with one HMAC key (from ``store.accounts``)."""

    def __init__(
        self,
        key: bytes,
        *,
        clock: Clock,
        issuer: str = ISSUER,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"an HS256 signing key needs at least {MIN_KEY_BYTES} bytes")
        self._key = key
        self._clock = clock
        self.issuer = issuer
        self._leeway = leeway

    def issue(
        self,
        subject: str,
        kind: TokenKind,
        *,
        expires_in: timedelta | None,
        audience: str = AUDIENCE,
        groups: tuple[str, ...] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        """Sign a new token for ``subject``; ``expires_in=None`` makes one that never expires
        (API tokens only: the store can still revoke them)."""
        if expires_in is None and kind is not TokenKind.API:
            raise ValueError(f"a {kind.value} token must expire")
        issued = int(self._clock().timestamp())
        payload: dict[str, Any] = {
            **(extra or {}),
            "iss": self.issuer,
            "aud": audience,
            "sub": subject,
            "jti": uuid.uuid4().hex,
            "iat": issued,
            "nbf": issued,
            "kind": kind.value,
        }
        if groups:
            payload["groups"] = list(groups)
        if expires_in is not None:
            payload["exp"] = issued + max(1, int(expires_in.total_seconds()))
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM)
        return IssuedToken(token=token, claims=_claims(payload))

    def derive(self, purpose: str, value: str) -> str:
        """A secret only this signer can compute from ``value``: HMAC-SHA256 under the key,
        separated by ``purpose``, as 43 URL-safe characters (an OIDC nonce, a PKCE verifier)."""
        mac = hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def verify(
        self, token: str, *, kinds: frozenset[TokenKind], audience: str = AUDIENCE
    ) -> Claims:
        """The claims of a token this signer made, of one of ``kinds``, for ``audience``."""
        payload = self._decode(token, audience)
        kind = payload.get("kind")
        if kind not in {k.value for k in kinds}:
            raise TokenInvalidError(f"the token is not a {_names(kinds)} token", hint=_AGAIN)
        check_times(payload, self._clock(), self._leeway, require_exp=kind != TokenKind.API.value)
        return _claims(payload)

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalidError("the token is empty or too long", hint=_AGAIN)
        try:
            header = jwt.get_unverified_header(token)
            if not hmac.compare_digest(str(header.get("alg")), ALGORITHM):
                raise TokenInvalidError(f"the token is not signed with {ALGORITHM}", hint=_AGAIN)
            return jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self.issuer,
                options={
                    "require": list(_REQUIRED),
                    "verify_exp": False,  # times are checked against our clock: check_times
                    "verify_nbf": False,
                    "verify_iat": False,
                    "strict_aud": True,
                },
            )
        except jwt.InvalidTokenError as err:
            raise TokenInvalidError(
                f"the token was refused ({describe_refusal(err)})", hint=_AGAIN
            ) from None


_AGAIN = "log in again, or ask for a new API token"


def _names(kinds: frozenset[TokenKind]) -> str:
    return " or ".join(sorted(kind.value for kind in kinds))


def describe_refusal(err: jwt.PyJWTError) -> str:
    """PyJWT's refusal in a few words that never quote the token."""
    reasons: dict[type[jwt.PyJWTError], str] = {
        jwt.InvalidSignatureError: "bad signature",
        jwt.InvalidAudienceError: "wrong audience",
        jwt.InvalidIssuerError: "wrong issuer",
        jwt.InvalidAlgorithmError: "algorithm not allowed",
        jwt.MissingRequiredClaimError: "a required claim is missing",
        jwt.DecodeError: "malformed",
    }
    for kind, reason in reasons.items():
        if isinstance(err, kind):
            return reason
    return "invalid"


def _claims(payload: Mapping[str, Any]) -> Claims:
    known = {"iss", "aud", "sub", "jti", "iat", "nbf", "exp", "kind", "groups"}
    groups = payload.get("groups") or ()
    if not isinstance(groups, list | tuple) or not all(isinstance(g, str) for g in groups):
        raise TokenInvalidError("the token's groups are not a list of names", hint=_AGAIN)
    expiry = payload.get("exp")
    return Claims(
        subject=str(payload["sub"]),
        token_id=str(payload["jti"]),
        kind=TokenKind(payload["kind"]),
        issued_at=datetime.fromtimestamp(payload["iat"], UTC),
        expires_at=None if expiry is None else datetime.fromtimestamp(expiry, UTC),
        groups=tuple(groups),
        extra={key: value for key, value in payload.items() if key not in known},
    )
