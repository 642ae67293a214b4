"""Single sign-on against a fake OIDC provider served over ASGI with a real RSA key."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from auth_builders import ManualClock
from cryptography.hazmat.primitives.asymmetric import ec
from oidc_fake import CLIENT_ID, CLIENT_SECRET, ISSUER, FakeProvider, new_rsa_key

from gitward.errors import ConfigError
from gitward.server.auth.failures import OidcError, OidcUnavailableError
from gitward.server.auth.oidc import AuthorizationRequest, OidcConfig, OidcLogin, OidcResult
from gitward.server.auth.principals import PrincipalKind
from gitward.server.auth.tokens import TokenSigner

REDIRECT = "https://gitward.example/auth/callback"
CONFIG = OidcConfig(
    issuer=ISSUER, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT
)


@dataclass
class Callback:
    code: str
    state: str


@pytest.fixture
def provider(clock: ManualClock) -> FakeProvider:
    return FakeProvider(clock)


@pytest.fixture
async def http(provider: FakeProvider) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=provider.app())) as client:
        yield client


@pytest.fixture
def login(http: httpx.AsyncClient, clock: ManualClock) -> OidcLogin:
    return OidcLogin(CONFIG, http, TokenSigner(b"k" * 64, clock=clock), clock=clock)


async def go_to_provider(http: httpx.AsyncClient, request: AuthorizationRequest) -> Callback:
    """What the browser does: follow the authorize URL and come back to the callback."""
    answer = await http.get(request.url)
    assert answer.status_code == 302
    back = urllib.parse.urlsplit(answer.headers["location"])
    assert back.geturl().startswith(REDIRECT + "?")
    query = dict(urllib.parse.parse_qsl(back.query))
    return Callback(query["code"], query["state"])


async def sign_in(login: OidcLogin, http: httpx.AsyncClient, return_to: str = "/") -> OidcResult:
    request = await login.begin(return_to)
    callback = await go_to_provider(http, request)
    return await login.complete(
        code=callback.code, state=callback.state, cookie_value=request.cookie_value
    )


async def test_a_login_maps_the_id_token_to_a_principal_with_groups(
    login: OidcLogin, http: httpx.AsyncClient
) -> None:
    result = await sign_in(login, http, "/applications/guestbook")

    principal = result.principal
    assert (principal.name, principal.kind, principal.sso) == (
        "alice@example.com",
        PrincipalKind.USER,
        True,
    )
    assert principal.groups == ("platform", "dev")
    assert result.return_to == "/applications/guestbook"
    assert result.claims["sub"] == "user-123"


async def test_the_authorize_url_carries_state_nonce_and_an_s256_challenge(
    login: OidcLogin,
) -> None:
    request = await login.begin()

    parts = urllib.parse.urlsplit(request.url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/authorize"
    assert query["prompt"] == "login"  # the provider's own parameters are kept
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "openid profile email groups"
    assert query["redirect_uri"] == REDIRECT
    assert len(query["state"]) >= 43
    assert len(query["nonce"]) == 43
    assert query["code_challenge"] not in request.cookie_value


async def test_the_code_is_exchanged_with_the_verifier_and_the_client_secret(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider
) -> None:
    request = await login.begin()

    await sign_in(login, http)

    sent = provider.token_requests[-1]
    assert sent["grant_type"] == "authorization_code"
    assert sent["authorization"].startswith("Basic ")
    assert "client_secret" not in sent
    assert sent["code_verifier"] not in request.cookie_value
    cookie = jwt.decode(request.cookie_value, options={"verify_signature": False})
    assert set(cookie) >= {"state", "return_to", "exp", "aud"}
    assert "nonce" not in cookie
    assert "verifier" not in str(cookie)


async def test_a_callback_with_another_state_is_refused(
    login: OidcLogin, http: httpx.AsyncClient
) -> None:
    request = await login.begin()
    callback = await go_to_provider(http, request)

    with pytest.raises(OidcError, match="not this browser's login") as caught:
        await login.complete(
            code=callback.code, state=callback.state + "x", cookie_value=request.cookie_value
        )

    assert caught.value.code == "oidc_failed"


async def test_a_code_intercepted_from_another_login_cannot_be_used(
    login: OidcLogin, http: httpx.AsyncClient
) -> None:
    victim = await login.begin()
    attacker = await login.begin()
    stolen = await go_to_provider(http, victim)
    own = await go_to_provider(http, attacker)

    with pytest.raises(
        OidcError, match=r"refused the request to https://idp.example/token \(invalid_grant\)"
    ):
        await login.complete(code=stolen.code, state=own.state, cookie_value=attacker.cookie_value)


async def test_a_code_is_good_for_one_login_only(login: OidcLogin, http: httpx.AsyncClient) -> None:
    request = await login.begin()
    callback = await go_to_provider(http, request)
    await login.complete(
        code=callback.code, state=callback.state, cookie_value=request.cookie_value
    )

    with pytest.raises(OidcError, match="invalid_grant"):
        await login.complete(
            code=callback.code, state=callback.state, cookie_value=request.cookie_value
        )


@pytest.mark.parametrize("cookie", [None, "", "forged.cookie.value"])
async def test_a_missing_or_forged_login_cookie_is_refused(
    login: OidcLogin, http: httpx.AsyncClient, cookie: str | None
) -> None:
    request = await login.begin()
    callback = await go_to_provider(http, request)

    with pytest.raises(OidcError, match="login cookie"):
        await login.complete(code=callback.code, state=callback.state, cookie_value=cookie)


async def test_a_login_cookie_from_another_gitward_is_refused(
    login: OidcLogin, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    other = OidcLogin(CONFIG, http, TokenSigner(b"o" * 64, clock=clock), clock=clock)
    request = await other.begin()
    callback = await go_to_provider(http, request)

    with pytest.raises(OidcError, match="bad signature"):
        await login.complete(
            code=callback.code, state=callback.state, cookie_value=request.cookie_value
        )


async def test_a_login_left_too_long_expires(
    login: OidcLogin, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    request = await login.begin()
    callback = await go_to_provider(http, request)
    clock.advance(minutes=11)

    with pytest.raises(OidcError, match="expired"):
        await login.complete(
            code=callback.code, state=callback.state, cookie_value=request.cookie_value
        )


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ({"nonce": "replayed-nonce"}, "nonce is not this login's"),
        ({"nonce": None}, "nonce is not this login's"),
        ({"aud": "another-client"}, "wrong audience"),
        ({"aud": [CLIENT_ID, "other"]}, "another party"),
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"exp": 1_000_000}, "expired"),
        ({"iat": 4_000_000_000}, "not valid yet"),
        ({"sub": None}, "a required claim is missing"),
    ],
)
async def test_an_id_token_with_tampered_claims_is_refused(
    login: OidcLogin,
    http: httpx.AsyncClient,
    provider: FakeProvider,
    tamper: dict[str, Any],
    problem: str,
) -> None:
    provider.tamper = tamper

    with pytest.raises(OidcError, match=problem):
        await sign_in(login, http)


async def test_several_audiences_are_accepted_when_we_are_the_authorized_party(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.tamper = {"aud": [CLIENT_ID, "other"], "azp": CLIENT_ID}

    assert (await sign_in(login, http)).principal.name == "alice@example.com"


@pytest.mark.parametrize(
    ("alg", "problem"),
    [
        ("none", "signed with 'none'"),
        ("HS256", "signed with 'HS256'"),
        ("PS256", "signed with 'PS256'"),
    ],
)
async def test_an_id_token_with_another_algorithm_is_refused(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider, alg: str, problem: str
) -> None:
    provider.alg = alg

    with pytest.raises(OidcError, match=problem):
        await sign_in(login, http)


async def test_an_id_token_signed_with_another_key_is_refused(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.signing_key = new_rsa_key()

    with pytest.raises(OidcError, match="bad signature"):
        await sign_in(login, http)


async def test_new_provider_keys_are_fetched_once_a_token_names_one(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(login, http)
    await sign_in(login, http)
    provider.rotate()

    assert (await sign_in(login, http)).principal.name == "alice@example.com"
    assert provider.key_fetches == 2


async def test_a_provider_signing_es256_is_accepted(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.ec_key = ec.generate_private_key(ec.SECP256R1())

    assert (await sign_in(login, http)).principal.groups == ("platform", "dev")


async def test_an_rs256_token_is_refused_from_a_provider_that_signs_es256(
    login: OidcLogin, http: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.ec_key = ec.generate_private_key(ec.SECP256R1())
    await login.begin()  # discovery now says ES256
    provider.ec_key = None

    with pytest.raises(OidcError, match="signed with 'RS256', not ES256"):
        await sign_in(login, http)


async def test_a_provider_that_names_another_issuer_is_refused(
    login: OidcLogin, provider: FakeProvider
) -> None:
    provider.discovery_issuer = "https://evil.example"

    with pytest.raises(OidcError, match=re.escape("calls itself 'https://evil.example'")):
        await login.begin()


async def test_the_provider_refusing_the_login_is_reported(login: OidcLogin) -> None:
    with pytest.raises(OidcError, match="refused the login \\(access_denied\\)"):
        await login.complete(code="", state="s", cookie_value=None, error="access_denied")


async def test_an_unreachable_provider_is_unavailable_without_showing_the_secret(
    clock: ManualClock,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        login = OidcLogin(CONFIG, http, TokenSigner(b"k" * 64, clock=clock), clock=clock)
        with pytest.raises(OidcUnavailableError) as caught:
            await login.begin()

    assert "could not be reached at https://idp.example/.well-known/openid-configuration" in (
        caught.value.message
    )
    assert CLIENT_SECRET not in caught.value.message


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil", "x"])
async def test_a_return_path_off_gitward_becomes_the_home_page(
    login: OidcLogin, http: httpx.AsyncClient, target: str
) -> None:
    assert (await sign_in(login, http, target)).return_to == "/"


def test_the_client_secret_stays_out_of_the_configuration_repr() -> None:
    assert CLIENT_SECRET not in repr(CONFIG)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "http://idp.example"}, "issuer"),
        ({"redirect_uri": "gitward.example/callback"}, "redirect_uri"),
        ({"client_id": ""}, "clientID"),
        ({"scopes": ("profile",)}, "requestedScopes"),
        ({"algorithms": ("HS256",)}, "algorithms"),
    ],
)
def test_an_unusable_configuration_is_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        **changes,
    }

    with pytest.raises(ConfigError) as caught:
        OidcConfig(**values)

    assert caught.value.where.field == field


def test_plain_http_is_accepted_on_the_loopback() -> None:
    config = OidcConfig(
        issuer="http://127.0.0.1:5556/dex", client_id="x", redirect_uri="http://localhost:8080/cb"
    )

    assert config.issuer.startswith("http://")
