"""Authentication over HTTP: sessions, cookies, logout, passwords, accounts and API tokens,
and the attacks the API must turn away (forged, expired, unsigned and misaddressed tokens,
login floods with random usernames, cross-site requests with a cookie)."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from conftest import Api

from gitward.server.auth.tokens import AUDIENCE, ISSUER
from support.example import DEV


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "admin",
        "jti": secrets.token_hex(8),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "kind": "session",
    }
    return {**base, **changes}


async def refused(api: Api, token: str) -> int:
    answer = await api.client(token).get("/api/v1/applications")
    assert answer.json()["code"] == "unauthenticated"
    return answer.status_code


async def test_a_token_signed_with_another_key_is_refused(api: Api) -> None:
    forged = jwt.encode(claims(), secrets.token_bytes(64), algorithm="HS256")
    assert await refused(api, forged) == 401


async def test_an_expired_session_is_refused(api: Api) -> None:
    key = await api.server.services.store.accounts.signing_key()
    old = int(time.time()) - 7200
    expired = jwt.encode(claims(iat=old, nbf=old, exp=old + 60), key, algorithm="HS256")
    assert await refused(api, expired) == 401


async def test_an_unsigned_alg_none_token_is_refused(api: Api) -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none")  # type: ignore[arg-type]
    assert await refused(api, unsigned) == 401


async def test_a_token_for_another_audience_is_refused(api: Api) -> None:
    key = await api.server.services.store.accounts.signing_key()
    elsewhere = jwt.encode(claims(aud="someone-else"), key, algorithm="HS256")
    assert await refused(api, elsewhere) == 401


async def test_a_login_flood_with_random_usernames_is_rate_limited(api: Api) -> None:
    client = api.client()
    statuses = []
    for _ in range(14):
        answer = await client.post(
            "/api/v1/session",
            json={"username": secrets.token_hex(6), "password": "not-the-password"},
        )
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert answer.json()["code"] == "rate_limited"
            assert int(answer.headers["retry-after"]) >= 1
            break
    assert statuses[0] == 401
    assert statuses[-1] == 429


async def test_failed_and_good_logins_are_audited_without_passwords(api: Api) -> None:
    await api.client().post("/api/v1/session", json={"username": "admin", "password": "wrong!"})
    await api.admin()
    entries = await api.server.services.store.audit.list(action="login")
    assert [entry.details["result"] for entry in entries] == ["succeeded", "bad_credentials"]
    assert "wrong!" not in repr(entries)


async def test_the_session_cookie_is_http_only_and_same_site(api: Api) -> None:
    assert api.server.admin_password is not None
    answer = await api.client().post(
        "/api/v1/session", json={"username": "admin", "password": api.server.admin_password}
    )
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure under TLS


async def test_a_cookie_request_as_text_plain_is_refused_as_cross_site(api: Api) -> None:
    token = await api.login("admin", api.server.admin_password or "")
    browser = api.client(cookies={"gitward.token": token})
    forged = await browser.post(
        f"/api/v1/applications/{DEV}/sync",
        content='{"prune": true}',
        headers={"Content-Type": "text/plain"},
    )
    assert (forged.status_code, forged.json()["code"]) == (415, "invalid_argument")
    assert await api.server.services.store.operations.current(DEV) is None


async def test_a_request_from_another_origin_is_refused(api: Api) -> None:
    token = await api.login("admin", api.server.admin_password or "")
    browser = api.client(cookies={"gitward.token": token})
    answer = await browser.post(
        f"/api/v1/applications/{DEV}/sync", json={}, headers={"Origin": "https://evil.example"}
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")


async def test_the_cookie_alone_authenticates_a_json_request(api: Api) -> None:
    token = await api.login("admin", api.server.admin_password or "")
    browser = api.client(cookies={"gitward.token": token})
    answer = await browser.get("/api/v1/session/userinfo")
    assert answer.json()["username"] == "admin"


async def test_after_logout_the_token_no_longer_works(api: Api) -> None:
    token = await api.login("admin", api.server.admin_password or "")
    client = api.client(token)
    out = await client.delete("/api/v1/session")
    after = await client.get("/api/v1/applications")
    assert out.status_code == 200 and "gitward.token=;" in out.headers["set-cookie"]
    assert after.status_code == 401


async def test_anonymous_requests_are_refused_by_default(api: Api) -> None:
    answer = await api.client().get(f"/api/v1/applications/{DEV}")
    settings = await api.client().get("/api/v1/settings")
    assert answer.status_code == 401 and settings.status_code == 401


async def test_changing_ones_password_needs_the_current_one(api: Api) -> None:
    password = api.server.admin_password or ""
    client = await api.admin()
    wrong = await client.put(
        "/api/v1/account/password",
        json={"currentPassword": "nope", "newPassword": "a-much-longer-password"},
    )
    short = await client.put(
        "/api/v1/account/password", json={"currentPassword": password, "newPassword": "short"}
    )
    right = await client.put(
        "/api/v1/account/password",
        json={"currentPassword": password, "newPassword": "a-much-longer-password"},
    )
    assert (wrong.status_code, short.status_code, right.status_code) == (401, 400, 200)
    assert await api.login("admin", "a-much-longer-password")


async def test_accounts_tokens_work_until_revoked(api: Api) -> None:
    admin = await api.admin()
    made = await admin.post(
        "/api/v1/account",
        json={"name": "ci", "password": "a-long-ci-password", "capabilities": ["apiKey"]},
    )
    issued = (await admin.post("/api/v1/account/ci/token", json={"expiresIn": 3600})).json()
    ci = api.client(issued["token"])
    before = await ci.get("/api/v1/applications")
    listed = (await admin.get("/api/v1/account/ci")).json()
    revoked = await admin.delete(f"/api/v1/account/ci/token/{issued['id']}")
    after = await ci.get("/api/v1/applications")
    assert made.json()["capabilities"] == ["apiKey"]
    assert [token["id"] for token in listed["tokens"]] == [issued["id"]]
    assert (before.status_code, revoked.status_code, after.status_code) == (200, 200, 401)


async def test_admin_needs_the_api_key_capability_for_tokens(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post("/api/v1/account/admin/token", json={})
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_argument")


async def test_the_account_endpoint_says_who_the_caller_is(api: Api) -> None:
    me = (await api.sso("sam@example.com", "security-team").get("/api/v1/account")).json()
    admin = (await (await api.admin()).get("/api/v1/account")).json()
    assert (me["name"], me["groups"], me["items"]) == ("sam@example.com", ["security-team"], [])
    assert [item["name"] for item in admin["items"]] == ["admin"]


async def test_an_sso_user_may_not_touch_another_accounts_tokens(api: Api) -> None:
    answer = await api.sso("dan@example.com", "devops-team").post(
        "/api/v1/account/admin/token", json={}
    )
    assert answer.status_code == 403
