"""The account service: the first admin, logins, sessions, API tokens, anonymous access."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import jwt
import pytest
from auth_builders import ManualClock, cheap_passwords

from gitward.errors import ConfigError
from gitward.server.auth.accounts import Authenticator
from gitward.server.auth.attempts import LoginOutcome
from gitward.server.auth.config import AuthConfig
from gitward.server.auth.failures import (
    AuthError,
    RateLimitedError,
    TokenExpiredError,
    TokenInvalidError,
    UnauthenticatedError,
)
from gitward.server.auth.principals import ANONYMOUS, PrincipalKind, project_role_subject
from gitward.server.auth.tokens import TokenKind
from gitward.store import AuditAction, RecordNotFoundError, Store
from gitward.store.accounts import AccountCapability

PASSWORD = "a-long-enough-password"
SOURCE = "203.0.113.7"


async def with_alice(auth: Authenticator, *capabilities: AccountCapability) -> None:
    await auth.create_account("alice", PASSWORD, capabilities or (AccountCapability.LOGIN,))


async def test_the_admin_is_created_once_with_a_random_password_that_logs_in(
    auth: Authenticator, store: Store
) -> None:
    password = await auth.ensure_admin()

    assert password is not None
    assert await auth.ensure_admin() is None
    assert await store.accounts.password_hash("admin") != password
    session = await auth.login("admin", password, SOURCE)
    assert (await auth.authenticate(session.token)).name == "admin"


async def test_admin_creation_survives_a_restart_without_a_new_password(
    auth: Authenticator, store: Store, clock: ManualClock
) -> None:
    first = await auth.ensure_admin()
    restarted = await Authenticator.start(store, passwords=cheap_passwords(), clock=clock)

    assert first is not None
    assert await restarted.ensure_admin() is None
    assert (await restarted.login("admin", first, SOURCE)).principal.name == "admin"


async def test_a_session_from_before_a_restart_still_authenticates(
    auth: Authenticator, store: Store, clock: ManualClock
) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)

    restarted = await Authenticator.start(store, passwords=cheap_passwords(), clock=clock)

    principal = await restarted.authenticate(session.token)
    assert (principal.name, principal.kind) == ("alice", PrincipalKind.USER)
    assert principal.token_id is not None


async def test_a_login_gives_a_session_that_expires_after_24_hours(
    auth: Authenticator, clock: ManualClock
) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)

    assert session.expires_at == clock.now + timedelta(hours=24)
    assert session.token not in repr(session)
    clock.advance(hours=24, minutes=1)
    with pytest.raises(TokenExpiredError):
        await auth.authenticate(session.token)


async def test_a_wrong_password_and_an_unknown_account_fail_alike(auth: Authenticator) -> None:
    await with_alice(auth)

    with pytest.raises(UnauthenticatedError) as wrong:
        await auth.login("alice", "not-the-password", SOURCE)
    with pytest.raises(UnauthenticatedError) as unknown:
        await auth.login("mallory", PASSWORD, SOURCE)

    assert (
        wrong.value.message
        == unknown.value.message
        == ("wrong username or password. check them and try again")
    )
    assert wrong.value.code == unknown.value.code == "unauthenticated"
    assert wrong.value.attempt is not None
    assert wrong.value.attempt.outcome is LoginOutcome.BAD_CREDENTIALS
    assert PASSWORD not in unknown.value.message


async def test_a_disabled_account_cannot_log_in_and_its_sessions_end(
    auth: Authenticator, store: Store
) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)

    await store.accounts.update("alice", enabled=False)

    with pytest.raises(UnauthenticatedError) as caught:
        await auth.login("alice", PASSWORD, SOURCE)
    assert caught.value.attempt is not None
    assert caught.value.attempt.outcome is LoginOutcome.DISABLED
    with pytest.raises(TokenInvalidError):
        await auth.authenticate(session.token)


async def test_an_account_without_the_login_capability_cannot_log_in(
    auth: Authenticator,
) -> None:
    await with_alice(auth, AccountCapability.API_KEY)

    with pytest.raises(UnauthenticatedError, match="wrong username or password"):
        await auth.login("alice", PASSWORD, SOURCE)


async def test_a_session_of_a_deleted_account_is_refused(auth: Authenticator, store: Store) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)

    await store.accounts.delete("alice")

    with pytest.raises(TokenInvalidError, match="deleted"):
        await auth.authenticate(session.token)


async def test_a_password_reset_gives_a_new_password_and_ends_every_session(
    auth: Authenticator, clock: ManualClock
) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)
    clock.advance(seconds=1)

    new_password = await auth.reset_password("alice")

    with pytest.raises(TokenInvalidError, match="before the account's password changed"):
        await auth.authenticate(session.token)
    with pytest.raises(UnauthenticatedError):
        await auth.login("alice", PASSWORD, SOURCE)
    fresh = await auth.login("alice", new_password, SOURCE)
    assert (await auth.authenticate(fresh.token)).name == "alice"


async def test_resetting_an_unknown_account_says_so(auth: Authenticator) -> None:
    with pytest.raises(RecordNotFoundError, match="account ghost"):
        await auth.reset_password("ghost")


async def test_changing_a_password_needs_the_current_one_and_a_good_new_one(
    auth: Authenticator, clock: ManualClock
) -> None:
    await with_alice(auth)

    with pytest.raises(UnauthenticatedError):
        await auth.update_password("alice", "wrong-current-password", "another-long-password")
    with pytest.raises(AuthError, match="shorter than 12"):
        await auth.update_password("alice", PASSWORD, "short")
    clock.advance(seconds=1)
    await auth.update_password("alice", PASSWORD, "another-long-password")

    assert (await auth.login("alice", "another-long-password", SOURCE)).principal.name == "alice"


async def test_guessing_one_password_is_rate_limited_and_the_error_is_audit_ready(
    auth: Authenticator,
) -> None:
    await with_alice(auth)
    for _ in range(5):
        with pytest.raises(UnauthenticatedError):
            await auth.login("alice", "guess-guess-guess", SOURCE)

    with pytest.raises(RateLimitedError) as caught:
        await auth.login("alice", PASSWORD, "198.51.100.1")

    assert caught.value.attempt is not None
    actor, action, target, details = caught.value.attempt.audit()
    assert (actor, action, target) == ("alice", AuditAction.LOGIN, "session")
    assert details == {"result": "rate_limited", "source": "198.51.100.1", "method": "password"}


async def test_a_login_attempt_goes_into_the_audit_log_as_given(
    auth: Authenticator, store: Store
) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)
    assert session.attempt is not None

    entry = await store.audit.append(*session.attempt.audit())

    assert (entry.actor, entry.action, entry.details["result"]) == (
        "alice",
        AuditAction.LOGIN,
        "succeeded",
    )


async def test_an_account_api_token_authenticates_until_revoked(
    auth: Authenticator, store: Store
) -> None:
    await with_alice(auth, AccountCapability.API_KEY)
    token = await auth.create_token("alice", description="ci")

    principal = await auth.authenticate(token.token)
    assert (principal.name, principal.kind, principal.token_id) == (
        "alice",
        PrincipalKind.TOKEN,
        token.id,
    )
    assert token.token not in repr(token)
    assert token.token not in repr(await auth.list_tokens("alice"))

    assert await auth.revoke_token(token.id) is True
    with pytest.raises(TokenInvalidError, match="revoked"):
        await auth.authenticate(token.token)
    assert [t.revoked for t in await auth.list_tokens("alice")] == [True]


async def test_a_project_role_token_acts_as_the_role(auth: Authenticator) -> None:
    subject = project_role_subject("shop", "deployer")
    token = await auth.create_token(subject, expires_in=timedelta(days=30))

    principal = await auth.authenticate(token.token)

    assert (principal.name, principal.kind) == ("proj:shop:deployer", PrincipalKind.TOKEN)
    assert token.record.expires_at is not None


async def test_an_api_token_expires_when_it_says(auth: Authenticator, clock: ManualClock) -> None:
    token = await auth.create_token("proj:shop:ci", expires_in=timedelta(hours=1))
    clock.advance(hours=2)

    with pytest.raises(TokenExpiredError):
        await auth.authenticate(token.token)


async def test_a_token_of_a_deleted_account_is_refused(auth: Authenticator, store: Store) -> None:
    await with_alice(auth, AccountCapability.API_KEY)
    token = await auth.create_token("alice")

    await store.accounts.delete("alice")

    with pytest.raises(TokenInvalidError, match="unknown or was deleted"):
        await auth.authenticate(token.token)


async def test_a_token_whose_account_lost_the_api_key_capability_is_refused(
    auth: Authenticator, store: Store
) -> None:
    await with_alice(auth, AccountCapability.API_KEY)
    token = await auth.create_token("alice")

    await store.accounts.update("alice", capabilities=[AccountCapability.LOGIN])

    with pytest.raises(TokenInvalidError, match="may no longer use it"):
        await auth.authenticate(token.token)


async def test_a_signed_api_token_unknown_to_the_store_is_refused(auth: Authenticator) -> None:
    issued = auth.signer.issue("proj:shop:ci", kind=TokenKind.API, expires_in=None)

    with pytest.raises(TokenInvalidError, match="unknown"):
        await auth.authenticate(issued.token)


async def test_tokens_are_refused_for_accounts_that_cannot_hold_them(
    auth: Authenticator,
) -> None:
    await with_alice(auth, AccountCapability.LOGIN)

    with pytest.raises(ConfigError, match="lacks the apiKey capability"):
        await auth.create_token("alice")
    with pytest.raises(RecordNotFoundError):
        await auth.create_token("ghost")


async def test_a_token_forged_with_another_key_is_refused(auth: Authenticator) -> None:
    await with_alice(auth)
    session = await auth.login("alice", PASSWORD, SOURCE)
    claims = jwt.decode(session.token, options={"verify_signature": False})

    forged = jwt.encode(claims, b"attacker-key-" * 5, algorithm="HS256")

    with pytest.raises(TokenInvalidError, match="bad signature"):
        await auth.authenticate(forged)


async def test_without_credentials_a_request_is_refused_by_default(auth: Authenticator) -> None:
    with pytest.raises(UnauthenticatedError, match="no credentials"):
        await auth.authenticate(None)


@pytest.fixture
async def open_auth(auth: Authenticator, config: AuthConfig) -> Authenticator:
    return Authenticator(
        auth._store,
        auth.signer,
        config=replace(config, anonymous=True),
        passwords=cheap_passwords(),
        clock=auth._clock,
    )


async def test_anonymous_access_when_enabled_covers_only_requests_without_credentials(
    open_auth: Authenticator,
) -> None:
    assert await open_auth.authenticate(None) == ANONYMOUS
    assert await open_auth.authenticate("  ") == ANONYMOUS
    with pytest.raises(TokenInvalidError):
        await open_auth.authenticate("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.")


async def test_a_new_account_needs_a_free_name_and_a_good_password(auth: Authenticator) -> None:
    await with_alice(auth)

    with pytest.raises(ConfigError, match="exists already"):
        await auth.create_account("alice", PASSWORD)
    with pytest.raises(AuthError, match="shorter than 12"):
        await auth.create_account("bob", "short")


async def test_the_admin_may_hold_api_tokens_only_once_granted_the_capability(
    auth: Authenticator, store: Store
) -> None:
    await auth.ensure_admin()

    with pytest.raises(ConfigError, match="lacks the apiKey capability"):
        await auth.create_token("admin")
    await store.accounts.update(
        "admin", capabilities=[AccountCapability.LOGIN, AccountCapability.API_KEY]
    )
    token = await auth.create_token("admin")

    assert (await auth.authenticate(token.token)).name == "admin"


async def test_a_logout_ends_the_session_and_only_that_one(auth: Authenticator) -> None:
    await with_alice(auth)
    kept = await auth.login("alice", PASSWORD, SOURCE)
    ended = await auth.login("alice", PASSWORD, SOURCE)

    assert (await auth.logout(ended.token)).name == "alice"

    with pytest.raises(TokenInvalidError, match="ended by a logout"):
        await auth.authenticate(ended.token)
    assert (await auth.authenticate(kept.token)).name == "alice"


async def test_a_single_sign_on_session_ends_at_logout_too(auth: Authenticator) -> None:
    session = auth.sso_session("bob@example.com", ("platform",))
    principal = await auth.authenticate(session.token)
    assert (principal.name, principal.groups, principal.sso) == (
        "bob@example.com",
        ("platform",),
        True,
    )

    await auth.logout(session.token)

    with pytest.raises(TokenInvalidError, match="ended by a logout"):
        await auth.authenticate(session.token)


async def test_an_api_token_is_revoked_not_logged_out(auth: Authenticator) -> None:
    token = await auth.create_token("proj:shop:ci")

    with pytest.raises(TokenInvalidError, match="not a session token"):
        await auth.logout(token.token)
