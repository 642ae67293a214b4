"""The session cookie's attributes and the check that refuses cross-site state changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitward.server.auth.cookies import (
    CookiePolicy,
    is_safe_state_changing_request,
    refusal_reason,
)

EXPIRES = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def test_the_session_cookie_is_http_only_same_site_and_secure_under_tls() -> None:
    header = CookiePolicy().set_cookie("a.b.c", tls=True, expires_at=EXPIRES)

    assert header == (
        "gitward.token=a.b.c; Expires=Mon, 02 Jun 2025 12:00:00 GMT; Path=/; HttpOnly; "
        "SameSite=Lax; Secure"
    )


def test_without_tls_the_cookie_is_not_marked_secure_but_stays_http_only() -> None:
    header = CookiePolicy(same_site="Strict").set_cookie("a.b.c", tls=False, expires_at=EXPIRES)

    assert "Secure" not in header
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header


def test_logging_out_clears_the_cookie_with_the_same_attributes() -> None:
    header = CookiePolicy().clear_cookie(tls=True)

    assert header.startswith("gitward.token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;")
    assert header.endswith("HttpOnly; SameSite=Lax; Secure")


def test_same_site_none_and_unsafe_values_are_refused() -> None:
    with pytest.raises(ValueError, match="never None"):
        CookiePolicy(same_site="None")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="semicolons"):
        CookiePolicy().set_cookie("a; Domain=evil.example", tls=True, expires_at=EXPIRES)


@pytest.mark.parametrize(
    ("method", "content_type", "safe"),
    [
        ("GET", None, True),
        ("head", "text/plain", True),
        ("OPTIONS", None, True),
        ("POST", "application/json", True),
        ("POST", "Application/JSON; charset=utf-8", True),
        ("PUT", "application/json", True),
        ("DELETE", None, True),
        ("POST", "text/plain", False),
        ("POST", "text/plain; charset=utf-8", False),
        ("POST", "application/x-www-form-urlencoded", False),
        ("POST", "multipart/form-data; boundary=x", False),
        ("POST", None, False),
        ("POST", "", False),
        ("PATCH", "application/jsonp", False),
        ("DELETE", "text/plain", False),
        ("TRACE", None, False),
    ],
)
def test_state_changes_need_a_json_body(method: str, content_type: str | None, safe: bool) -> None:
    assert is_safe_state_changing_request(method, content_type) is safe


def test_a_text_plain_post_is_refused_with_a_reason() -> None:
    assert refusal_reason("POST", "text/plain") == (
        "a POST request must send application/json, not text/plain"
    )


@pytest.mark.parametrize(
    ("origin", "safe"),
    [
        (None, True),
        ("https://gitward.example.com", True),
        ("https://GITWARD.example.com/", True),
        ("https://evil.example", False),
        ("null", False),
    ],
)
def test_a_present_origin_must_be_one_gitward_is_served_from(
    origin: str | None, safe: bool
) -> None:
    assert (
        is_safe_state_changing_request(
            "POST",
            "application/json",
            origin,
            allowed_origins=["https://gitward.example.com"],
        )
        is safe
    )
