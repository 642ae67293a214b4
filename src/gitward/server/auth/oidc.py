"""Single sign-on by OpenID Connect: the authorization code flow with PKCE (S256).

``begin`` gives the URL to send the browser to and a value for a short-lived, HttpOnly login
cookie; ``complete`` takes what the provider sent back to the callback with that cookie, and
answers with the user as a :class:`Principal` (name and groups), after:

- the login cookie is gitward's own signed token (its own audience: it is never a session) and
  its ``state`` equals the callback's (no login CSRF);
- the code is exchanged with the PKCE verifier. The verifier and the nonce are derived from the
  state with gitward's key, so the cookie holds neither and an intercepted code is useless;
- the ID token's signature checks out with the provider's published key, its algorithm is one
  the provider signs with *and* RS256 or ES256 (never ``none`` or HS256), and ``iss``, ``aud``
  (and ``azp``), ``exp``, ``iat`` and ``nonce`` are right.

The caller keeps ``cookie_value`` in an HttpOnly cookie with ``SameSite=Lax`` (``Strict`` would
not come back with the provider's redirect), and turns the principal into a gitward session
(``Authenticator.sso_session``). Group claims are read from the ID token only (no userinfo
call). Nothing here logs; the client secret never appears in a repr or a message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt

from gitward.errors import ConfigError, Location
from gitward.server.auth.failures import AuthError, OidcError
from gitward.server.auth.oidc_provider import Provider, check_url
from gitward.server.auth.principals import Principal, PrincipalKind
from gitward.server.auth.tokens import (
    DEFAULT_LEEWAY,
    TokenKind,
    TokenSigner,
    check_times,
    describe_refusal,
)

__all__ = ["LOGIN_AUDIENCE", "AuthorizationRequest", "OidcConfig", "OidcLogin", "OidcResult"]

LOGIN_AUDIENCE = "gitward:oidc-login"
SUPPORTED_ALGORITHMS = ("RS256", "ES256")
_AGAIN = "start the login again"
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """Argo CD's ``oidc.config``, in short."""

    issuer: str
    client_id: str
    redirect_uri: str
    """gitward's callback, as registered with the provider (``https://host/auth/callback``)."""
    client_secret: str = field(default="", repr=False)
    """Empty for a public client (PKCE alone)."""
    scopes: tuple[str, ...] = ("openid", "profile", "email", "groups")
    groups_claim: str = "groups"
    name_claims: tuple[str, ...] = ("email", "preferred_username", "sub")
    """The first of these the ID token carries names the user."""
    algorithms: tuple[str, ...] = SUPPORTED_ALGORITHMS
    login_ttl: timedelta = timedelta(minutes=10)
    """How long a user has between leaving for the provider and coming back."""

    def __post_init__(self) -> None:
        where = Location(obj="OIDC configuration")
        check_url(self.issuer, "issuer", error=ConfigError, where=where)
        check_url(self.redirect_uri, "redirect_uri", error=ConfigError, where=where)
        if not self.client_id:
            raise ConfigError("no client id", where=where.at("clientID"), hint="set clientID")
        if "openid" not in self.scopes:
            raise ConfigError(
                "the scopes lack openid", where=where.at("requestedScopes"), hint="add openid"
            )
        unsupported = set(self.algorithms) - set(SUPPORTED_ALGORITHMS)
        if unsupported or not self.algorithms:
            raise ConfigError(
                f"unsupported ID token algorithms {sorted(unsupported)}",
                where=where.at("algorithms"),
                hint=f"use {' or '.join(SUPPORTED_ALGORITHMS)}",
            )


@dataclass(frozen=True, slots=True, repr=False)
class AuthorizationRequest:
    """Where to send the browser, and what to keep in the login cookie until it returns."""

    url: str
    cookie_value: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"AuthorizationRequest(expires_at={self.expires_at!r})"


@dataclass(frozen=True, slots=True)
class OidcResult:
    """A completed single sign-on: who, and the local path to go back to."""

    principal: Principal
    return_to: str
    claims: Mapping[str, Any]
    """The verified ID token's claims."""


class OidcLogin:
    """The authorization code flow against one provider."""

    def __init__(
        self,
        config: OidcConfig,
        http: httpx.AsyncClient,
        signer: TokenSigner,
        *,
        clock: Clock,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> None:
        self.config = config
        self._provider = Provider(config.issuer, http)
        self._signer = signer
        self._clock = clock
        self._leeway = leeway

    async def begin(self, return_to: str = "/") -> AuthorizationRequest:
        """The provider's login URL, with a fresh state, nonce and S256 code challenge."""
        metadata = await self._provider.metadata()
        state = secrets.token_urlsafe(32)
        verifier = self._signer.derive("oidc-pkce", state)
        query = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": self.config.redirect_uri,
            "scope": " ".join(self.config.scopes),
            "state": state,
            "nonce": self._signer.derive("oidc-nonce", state),
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
        extra = {"state": state, "return_to": _local_path(return_to)}
        issued = self._signer.issue(
            "oidc-login",
            TokenKind.LOGIN_STATE,
            expires_in=self.config.login_ttl,
            audience=LOGIN_AUDIENCE,
            extra=extra,
        )
        assert issued.claims.expires_at is not None, "login state expires"
        url = _with_query(metadata.authorization_endpoint, query)
        return AuthorizationRequest(url, issued.token, issued.claims.expires_at)

    async def complete(
        self, *, code: str, state: str, cookie_value: str | None, error: str | None = None
    ) -> OidcResult:
        """Check the callback against the login cookie, exchange the code, verify the ID
        token, and answer with the user. ``error`` is the callback's ``error`` parameter."""
        if error:
            raise OidcError(f"the provider refused the login ({error[:100]})", hint=_AGAIN)
        login = self._login_state(cookie_value)
        if not isinstance(login.get("state"), str) or not hmac.compare_digest(
            login["state"], state
        ):
            raise OidcError("the callback's state is not this browser's login", hint=_AGAIN)
        if not code:
            raise OidcError("the callback carries no code", hint=_AGAIN)
        answer = await self._provider.exchange(self._token_form(code, state), self._client_auth())
        id_token = answer.get("id_token") if isinstance(answer, dict) else None
        if not isinstance(id_token, str):
            raise OidcError("the token endpoint sent no ID token", hint=_AGAIN)
        claims = await self._verified(id_token, self._signer.derive("oidc-nonce", state))
        return OidcResult(self._principal(claims), str(login.get("return_to", "/")), claims)

    def _login_state(self, cookie_value: str | None) -> Mapping[str, Any]:
        if not cookie_value:
            raise OidcError("the login cookie is missing", hint=_AGAIN)
        try:
            claims = self._signer.verify(
                cookie_value, kinds=frozenset({TokenKind.LOGIN_STATE}), audience=LOGIN_AUDIENCE
            )
        except AuthError as err:
            raise OidcError(f"the login cookie is unusable: {err.problem}", hint=_AGAIN) from None
        return claims.extra

    def _token_form(self, code: str, state: str) -> dict[str, str]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": self._signer.derive("oidc-pkce", state),
        }
        if not self.config.client_secret:
            form["client_id"] = self.config.client_id
        return form

    def _client_auth(self) -> tuple[str, str] | None:
        if not self.config.client_secret:
            return None
        return (self.config.client_id, self.config.client_secret)

    async def _verified(self, id_token: str, nonce: str) -> dict[str, Any]:
        metadata = await self._provider.metadata()
        allowed = [alg for alg in self.config.algorithms if alg in metadata.algorithms]
        try:
            header = jwt.get_unverified_header(id_token)
            if header.get("alg") not in allowed:
                raise OidcError(
                    f"the ID token is signed with {str(header.get('alg'))[:20]!r}, not "
                    f"{' or '.join(allowed) or 'an allowed algorithm'}",
                    hint=_AGAIN,
                )
            key = await self._provider.signing_key(header.get("kid"))
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=allowed,
                audience=self.config.client_id,
                issuer=metadata.issuer,
                options={
                    "require": ["iss", "aud", "sub", "exp", "iat"],
                    "verify_exp": False,  # checked against our clock below
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as err:
            raise OidcError(
                f"the ID token was refused ({describe_refusal(err)})", hint=_AGAIN
            ) from None
        self._check_claims(claims, nonce)
        return claims

    def _check_claims(self, claims: dict[str, Any], nonce: str) -> None:
        try:
            check_times(
                {"nbf": claims["iat"], **claims}, self._clock(), self._leeway, require_exp=True
            )
        except AuthError as err:
            raise OidcError(f"the ID token was refused: {err.problem}", hint=_AGAIN) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise OidcError("the ID token was issued to another party (azp)", hint=_AGAIN)
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
            claims["nonce"], nonce
        ):
            raise OidcError("the ID token's nonce is not this login's", hint=_AGAIN)

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        name = next(
            (str(claims[c]) for c in self.config.name_claims if isinstance(claims.get(c), str)),
            str(claims["sub"]),
        )
        groups = claims.get(self.config.groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        names = tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else ()
        return Principal(name, PrincipalKind.USER, names, sso=True)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _with_query(endpoint: str, query: Mapping[str, str]) -> str:
    parts = urllib.parse.urlsplit(endpoint)
    kept = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    merged = urllib.parse.urlencode([*kept, *query.items()], quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, merged, ""))


def _local_path(return_to: str) -> str:
    """``return_to`` if it stays on gitward (a path, not ``//host`` or a URL); else ``/``."""
    safe = return_to.startswith("/") and not return_to.startswith("//") and "\\" not in return_to
    return return_to if safe and not urllib.parse.urlsplit(return_to).netloc else "/"
