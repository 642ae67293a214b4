"""What gitward asks of an OpenID Connect provider over HTTP: discovery, keys, the code exchange.

Every request goes through the ``httpx.AsyncClient`` handed in (the seam tests use to put a fake
provider in place). The discovery document must name the configured issuer, and every endpoint
must be HTTPS (plain HTTP only on the loopback, for development). Signing keys are cached and
fetched again once when an ID token names a key not seen yet (the provider rotated its keys).
Errors name the endpoint and the provider's error code; never the client secret, a code or a
token.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from gitward.errors import GitwardError, Location
from gitward.redaction import redact_url
from gitward.server.auth.failures import OidcError, OidcUnavailableError

__all__ = ["DISCOVERY_PATH", "Provider", "ProviderMetadata", "check_url"]

DISCOVERY_PATH = "/.well-known/openid-configuration"
_WHERE = Location(obj="the OIDC provider")


def check_url(
    url: str,
    field: str,
    *,
    error: type[GitwardError] = OidcError,
    where: Location = _WHERE,
) -> str:
    """``url`` if it is absolute HTTPS (or HTTP on the loopback); else ``error``, located."""
    parts = urllib.parse.urlsplit(url)
    loopback = _is_loopback(parts.hostname or "")
    secure = parts.scheme == "https" or (parts.scheme == "http" and loopback)
    if secure and parts.hostname:
        return url
    raise error(
        f"the {field} is not an HTTPS URL ({redact_url(url)!r})",
        where=where.at(field),
        hint="use https:// (plain http only works on localhost)",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of the discovery document gitward uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]
    """``id_token_signing_alg_values_supported``."""

    @classmethod
    def parse(cls, document: Any, configured_issuer: str) -> ProviderMetadata:
        if not isinstance(document, dict):
            raise OidcError("the discovery document is not a JSON object", where=_WHERE)
        issuer = _text(document, "issuer")
        if issuer.rstrip("/") != configured_issuer.rstrip("/"):
            raise OidcError(
                f"the provider calls itself {issuer!r}, not the configured issuer",
                where=_WHERE.at("issuer"),
                hint="configure the issuer exactly as the provider's discovery document says",
            )
        algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        return cls(
            issuer=issuer,
            authorization_endpoint=check_url(
                _text(document, "authorization_endpoint"), "authorization_endpoint"
            ),
            token_endpoint=check_url(_text(document, "token_endpoint"), "token_endpoint"),
            jwks_uri=check_url(_text(document, "jwks_uri"), "jwks_uri"),
            algorithms=tuple(str(alg) for alg in algorithms),
        )


def _text(document: dict[str, Any], field: str) -> str:
    value = document.get(field)
    if not isinstance(value, str) or not value:
        raise OidcError(
            f"the discovery document has no {field}",
            where=_WHERE.at(field),
            hint="check the issuer URL",
        )
    return value


class Provider:
    """One OIDC provider reached through ``http``; discovery and keys are fetched lazily."""

    def __init__(self, issuer: str, http: httpx.AsyncClient) -> None:
        self.issuer = check_url(issuer, "issuer")
        self._http = http
        self._metadata: ProviderMetadata | None = None
        self._keys: jwt.PyJWKSet | None = None

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is None:
            document = await self._get_json(self.issuer.rstrip("/") + DISCOVERY_PATH)
            self._metadata = ProviderMetadata.parse(document, self.issuer)
        return self._metadata

    async def signing_key(self, key_id: str | None) -> jwt.PyJWK:
        """The provider's key ``key_id`` (the only key, when the token names none)."""
        for refresh in (False, True):
            if refresh or self._keys is None:
                self._keys = await self._fetch_keys()
            found = _pick(self._keys, key_id)
            if found is not None:
                return found
        raise OidcError(
            "the ID token is signed with a key the provider does not publish",
            where=_WHERE.at("jwks_uri"),
            hint="log in again; if it persists, check the provider's keys",
        )

    async def exchange(self, form: dict[str, str], auth: tuple[str, str] | None) -> Any:
        """POST the authorization code to the token endpoint; its JSON answer."""
        endpoint = (await self.metadata()).token_endpoint
        headers = {"Accept": "application/json"}
        try:
            if auth is None:
                response = await self._http.post(endpoint, data=form, headers=headers)
            else:
                # RFC 6749 2.3.1: form-encode the id and secret, then Basic.
                user, password = (urllib.parse.quote_plus(part) for part in auth)
                response = await self._http.post(
                    endpoint, data=form, headers=headers, auth=httpx.BasicAuth(user, password)
                )
        except httpx.HTTPError as err:
            raise _unreachable(endpoint, err) from None
        return _json(response, endpoint)

    async def _fetch_keys(self) -> jwt.PyJWKSet:
        uri = (await self.metadata()).jwks_uri
        document = await self._get_json(uri)
        try:
            return jwt.PyJWKSet.from_dict(document)
        except (jwt.PyJWTError, TypeError, ValueError, KeyError):
            raise OidcError(
                "the provider's key set holds no usable key", where=_WHERE.at("jwks_uri")
            ) from None

    async def _get_json(self, url: str) -> Any:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as err:
            raise _unreachable(url, err) from None
        return _json(response, url)


def _pick(keys: jwt.PyJWKSet, key_id: str | None) -> jwt.PyJWK | None:
    if key_id is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((key for key in keys.keys if key.key_id == key_id), None)


def _unreachable(url: str, err: httpx.HTTPError) -> OidcUnavailableError:
    return OidcUnavailableError(
        f"the OIDC provider could not be reached at {_shown(url)} ({type(err).__name__})",
        where=_WHERE,
        hint="check the issuer URL and the network; then log in again",
    )


def _json(response: httpx.Response, url: str) -> Any:
    if response.status_code >= 500:
        raise OidcUnavailableError(
            f"the OIDC provider answered {response.status_code} at {_shown(url)}",
            where=_WHERE,
            hint="try again later",
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        code = f" ({str(error)[:100]})" if error else ""
        raise OidcError(
            f"the OIDC provider refused the request to {_shown(url)}{code}",
            where=_WHERE,
            hint="log in again; if it persists, check the client id and secret",
        )
    if body is None:
        raise OidcError(f"the OIDC provider sent no JSON from {_shown(url)}", where=_WHERE)
    return body


def _shown(url: str) -> str:
    """The URL without its query (which may hold a code)."""
    parts = urllib.parse.urlsplit(url)
    return redact_url(urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
