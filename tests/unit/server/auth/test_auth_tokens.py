"""gitward's tokens: HS256 pinned, issuer, audience, times and kinds all checked."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from auth_builders import ManualClock
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gitward.server.auth.failures import TokenExpiredError, TokenInvalidError
from gitward.server.auth.tokens import TokenKind, TokenSigner

KEY = b"k" * 64
SESSIONS = frozenset({TokenKind.SESSION})
ANY = frozenset({TokenKind.SESSION, TokenKind.API})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def signer(clock: ManualClock) -> TokenSigner:
    return TokenSigner(KEY, clock=clock)


def claims(clock: ManualClock, **changes: Any) -> dict[str, Any]:
    now = int(clock().timestamp())
    payload: dict[str, Any] = {
        "iss": "gitward",
        "aud": "gitward",
        "sub": "alice",
        "jti": "id-1",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "kind": "session",
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_session_reads_back_with_its_subject_id_and_expiry(
    signer: TokenSigner, clock: ManualClock
) -> None:
    issued = signer.issue("alice", TokenKind.SESSION, expires_in=timedelta(hours=24))

    verified = signer.verify(issued.token, kinds=SESSIONS)

    assert verified == issued.claims
    assert verified.subject == "alice"
    assert verified.expires_at == clock.now.replace(microsecond=0) + timedelta(hours=24)
    assert issued.token not in repr(issued)


def test_a_token_signed_with_another_key_is_forged(signer: TokenSigner, clock: ManualClock) -> None:
    forged = jwt.encode(claims(clock), b"x" * 64, algorithm="HS256")

    with pytest.raises(TokenInvalidError, match="bad signature") as caught:
        signer.verify(forged, kinds=SESSIONS)

    assert caught.value.code == "token_invalid"


def test_an_unsigned_token_with_alg_none_is_refused(
    signer: TokenSigner, clock: ManualClock
) -> None:
    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims(clock))}."

    with pytest.raises(TokenInvalidError, match="not signed with HS256"):
        signer.verify(unsigned, kinds=SESSIONS)


def test_a_token_signed_rs256_by_anyone_is_refused(signer: TokenSigner, clock: ManualClock) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = jwt.encode(claims(clock), pem, algorithm="RS256")

    with pytest.raises(TokenInvalidError, match="not signed with HS256"):
        signer.verify(token, kinds=SESSIONS)


def test_a_token_whose_header_lies_about_hs256_is_still_checked_by_its_signature(
    signer: TokenSigner, clock: ManualClock
) -> None:
    good = signer.issue("alice", TokenKind.SESSION, expires_in=timedelta(hours=1)).token
    header, _payload, signature = good.split(".")
    tampered = f"{header}.{segment(claims(clock, sub='admin'))}.{signature}"

    with pytest.raises(TokenInvalidError, match="bad signature"):
        signer.verify(tampered, kinds=SESSIONS)


def test_an_expired_session_says_so(signer: TokenSigner, clock: ManualClock) -> None:
    issued = signer.issue("alice", TokenKind.SESSION, expires_in=timedelta(hours=1))
    clock.advance(hours=1, seconds=31)

    with pytest.raises(TokenExpiredError) as caught:
        signer.verify(issued.token, kinds=SESSIONS)

    assert caught.value.code == "token_expired"


def test_a_session_within_the_clock_leeway_of_its_expiry_is_still_good(
    signer: TokenSigner, clock: ManualClock
) -> None:
    issued = signer.issue("alice", TokenKind.SESSION, expires_in=timedelta(hours=1))
    clock.advance(hours=1, seconds=29)

    assert signer.verify(issued.token, kinds=SESSIONS).subject == "alice"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"aud": "kubernetes"}, "wrong audience"),
        ({"aud": ["gitward", "other"]}, "wrong audience"),
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"jti": None}, "a required claim is missing"),
        ({"sub": None}, "a required claim is missing"),
        ({"kind": None}, "a required claim is missing"),
        ({"exp": None}, "has no expiry"),
        ({"exp": "tomorrow"}, "exp is not a time"),
        ({"kind": "login_state"}, "not a session token"),
        ({"groups": "admins"}, "groups are not a list"),
    ],
)
def test_a_well_signed_token_with_wrong_claims_is_refused(
    signer: TokenSigner, clock: ManualClock, changes: dict[str, Any], problem: str
) -> None:
    token = jwt.encode(claims(clock, **changes), KEY, algorithm="HS256")

    with pytest.raises(TokenInvalidError, match=problem):
        signer.verify(token, kinds=SESSIONS)


def test_a_token_from_the_future_is_not_valid_yet(signer: TokenSigner, clock: ManualClock) -> None:
    later = int(clock().timestamp()) + 600
    token = jwt.encode(claims(clock, iat=later, nbf=later), KEY, algorithm="HS256")

    with pytest.raises(TokenInvalidError, match="not valid yet"):
        signer.verify(token, kinds=SESSIONS)


def test_an_api_token_may_live_without_expiry_but_is_no_session(signer: TokenSigner) -> None:
    issued = signer.issue("ci", TokenKind.API, expires_in=None)

    assert signer.verify(issued.token, kinds=ANY).expires_at is None
    with pytest.raises(TokenInvalidError, match="not a session token"):
        signer.verify(issued.token, kinds=SESSIONS)


def test_a_token_for_another_audience_of_ours_is_refused(signer: TokenSigner) -> None:
    state = signer.issue(
        "login", TokenKind.LOGIN_STATE, expires_in=timedelta(minutes=5), audience="gitward:oidc"
    )

    with pytest.raises(TokenInvalidError, match="wrong audience"):
        signer.verify(state.token, kinds=frozenset(TokenKind))


@pytest.mark.parametrize("token", ["", "a.b", "not a token", "x" * 9000, "a.b.c"])
def test_garbage_is_refused_as_invalid_without_echoing_it(signer: TokenSigner, token: str) -> None:
    with pytest.raises(TokenInvalidError) as caught:
        signer.verify(token, kinds=SESSIONS)

    assert not token or token not in caught.value.message


def test_a_session_must_expire_and_a_short_key_is_refused(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="must expire"):
        TokenSigner(KEY, clock=clock).issue("alice", TokenKind.SESSION, expires_in=None)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        TokenSigner(b"short", clock=clock)
