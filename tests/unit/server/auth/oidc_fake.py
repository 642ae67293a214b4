"""A fake OpenID Connect provider: a real ASGI app with a real RSA key, reached through httpx.

It serves discovery, its key set, an authorize endpoint that approves at once (redirecting back
with a code, as a provider does after its own login page) and a token endpoint that checks the
client's secret, the code (once) and the PKCE verifier against the challenge. ``tamper`` changes
the ID token's claims; ``signing_key``, ``alg`` and ``kid`` change how it is signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import jwt
from auth_builders import ManualClock
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

ISSUER = "https://idp.example"
CLIENT_ID = "gitward"
CLIENT_SECRET = "fake-client-s3cret"


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token made by hand (PyJWT refuses a public key as an HMAC secret)."""
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


@dataclass
class Grant:
    challenge: str
    method: str
    nonce: str
    redirect_uri: str


@dataclass
class FakeProvider:
    clock: ManualClock
    key: rsa.RSAPrivateKey = field(default_factory=new_rsa_key)
    kid: str = "key-1"
    tamper: dict[str, Any] = field(default_factory=dict)
    signing_key: rsa.RSAPrivateKey | None = None
    alg: str = "RS256"
    discovery_issuer: str = ISSUER
    ec_key: ec.EllipticCurvePrivateKey | None = None
    """When set, the provider signs ES256 with this P-256 key instead."""
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    key_fetches: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/keys", self.keys),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    def rotate(self) -> None:
        self.key, self.kid = new_rsa_key(), "key-2"

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.discovery_issuer,
                "authorization_endpoint": f"{ISSUER}/authorize?prompt=login",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/keys",
                "id_token_signing_alg_values_supported": ["ES256" if self.ec_key else "RS256"],
            }
        )

    async def keys(self, request: Request) -> Response:
        self.key_fetches += 1
        if self.ec_key is not None:
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec_key.public_key()))
            return JSONResponse({"keys": [{**jwk, "kid": self.kid, "alg": "ES256"}]})
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return JSONResponse({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            challenge=query["code_challenge"],
            method=query["code_challenge_method"],
            nonce=query["nonce"],
            redirect_uri=query["redirect_uri"],
        )
        back = urllib.parse.urlencode({"code": code, "state": query["state"]})
        return RedirectResponse(f"{query['redirect_uri']}?{back}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = dict(urllib.parse.parse_qsl((await request.body()).decode()))
        self.token_requests.append(
            {**form, "authorization": request.headers.get("authorization", "")}
        )
        if not self._client_ok(request):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        if (
            grant is None
            or grant.method != "S256"
            or b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {"access_token": "at", "token_type": "Bearer", "id_token": self.id_token(grant)}
        )

    def _client_ok(self, request: Request) -> bool:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def id_token(self, grant: Grant) -> str:
        now = int(self.clock().timestamp())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "user-123",
            "email": "alice@example.com",
            "groups": ["platform", "dev"],
            "nonce": grant.nonce,
            "iat": now,
            "exp": now + 300,
        }
        claims.update(self.tamper)
        claims = {key: value for key, value in claims.items() if value is not None}
        if self.alg == "HS256":
            public = self.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return hs256(claims, public, self.kid)
        if self.alg == "none":
            head = b64(json.dumps({"alg": "none", "kid": self.kid}).encode())
            return f"{head}.{b64(json.dumps(claims).encode())}."
        if self.ec_key is not None:
            return jwt.encode(claims, self.ec_key, algorithm="ES256", headers={"kid": self.kid})
        key = self.signing_key or self.key
        return jwt.encode(claims, key, algorithm=self.alg, headers={"kid": self.kid})
