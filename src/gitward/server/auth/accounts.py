"""Local accounts, sessions and API tokens: the service the API server's auth layer calls.

:class:`Authenticator` answers two questions, framework-free: *who may log in* (``login``,
rate-limited, giving a session token) and *who is this request* (``authenticate``, giving a
:class:`Principal`). It also runs the operator's commands: the first start's ``admin`` with a
random password (returned once, for the caller to print), password resets, API tokens per
account or project role and their revocation.

Rules it keeps: passwords only as argon2id hashes; a session ends at its expiry or a logout,
and one issued before its account's password changed, or for an account since disabled or
deleted, is refused; an API token is good only while the store knows its id unrevoked; the
anonymous principal is given only when anonymous access is on *and* no credentials were
presented, never when some failed. Nothing here logs, writes the audit log or touches HTTP.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gitward.errors import ConfigError, Location
from gitward.server.auth.attempts import LoginAttempt, LoginOutcome
from gitward.server.auth.config import AuthConfig
from gitward.server.auth.failures import (
    RateLimitedError,
    TokenExpiredError,
    TokenInvalidError,
    UnauthenticatedError,
)
from gitward.server.auth.passwords import Passwords, generate_password
from gitward.server.auth.principals import ANONYMOUS, Principal, PrincipalKind
from gitward.server.auth.ratelimit import LoginLimiter
from gitward.server.auth.tokens import Claims, TokenKind, TokenSigner
from gitward.store import Clock, RecordNotFoundError, Store
from gitward.store.accounts import AccountCapability, AccountRecord, TokenRecord

__all__ = ["ApiToken", "Authenticator", "Session"]

SSO_SOURCE = "sso"
_PROJECT_ROLE = re.compile(r"^proj:(?P<project>[^:\s]+):(?P<role>[^:\s]+)$")
_WRONG = "wrong username or password"


@dataclass(frozen=True, slots=True, repr=False)
class Session:
    """A login: the session token (for a cookie or a bearer header) and who it is for."""

    token: str
    principal: Principal
    expires_at: datetime
    attempt: LoginAttempt | None = None

    def __repr__(self) -> str:
        return f"Session(principal={self.principal!r}, expires_at={self.expires_at!r})"


@dataclass(frozen=True, slots=True, repr=False)
class ApiToken:
    """A new API token: shown to its owner once; the store keeps only ``record`` (its id)."""

    token: str
    record: TokenRecord

    @property
    def id(self) -> str:
        return self.record.id

    def __repr__(self) -> str:
        return f"ApiToken(id={self.record.id!r}, subject={self.record.subject!r})"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Authenticator:
    """Logins, sessions and API tokens over one store. Make one with :meth:`start`."""

    def __init__(
        self,
        store: Store,
        signer: TokenSigner,
        *,
        config: AuthConfig,
        passwords: Passwords,
        clock: Clock,
    ) -> None:
        self._store = store
        self.signer = signer
        self.config = config
        self._passwords = passwords
        self._clock = clock
        self._limiter = LoginLimiter(store, config.login_limits, clock)

    @classmethod
    async def start(
        cls,
        store: Store,
        config: AuthConfig | None = None,
        *,
        passwords: Passwords | None = None,
        clock: Clock = utc_now,
    ) -> Authenticator:
        """Load (or, the first time, make) the signing key from the store."""
        config = config or AuthConfig()
        signer = TokenSigner(await store.accounts.signing_key(), clock=clock)
        passwords = passwords or Passwords(policy=config.password_policy)
        return cls(store, signer, config=config, passwords=passwords, clock=clock)

    async def ensure_admin(self) -> str | None:
        """Create the admin account with a random password on first start and return that
        password, once, for the caller to print; None when an admin exists already."""
        name = self.config.admin_name
        if await self._store.accounts.get(name) is not None:
            return None
        password = generate_password()
        password_hash = await asyncio.to_thread(self._passwords.hash, password)
        # Like Argo CD's admin: it logs in; API tokens need ``apiKey`` granted explicitly.
        added = await self._store.accounts.add(name, password_hash)
        return None if added is None else password

    async def create_account(
        self,
        name: str,
        password: str,
        capabilities: tuple[AccountCapability, ...] = (AccountCapability.LOGIN,),
    ) -> AccountRecord:
        """Add a local account; refused when the name is taken or the password is weak."""
        self._passwords.check(password, account=name)
        password_hash = await asyncio.to_thread(self._passwords.hash, password)
        added = await self._store.accounts.add(name, password_hash, capabilities=capabilities)
        if added is None:
            raise ConfigError(
                "the account exists already",
                where=Location(obj=f"account {name}"),
                hint="choose another name, or reset its password",
            )
        return added

    async def reset_password(self, name: str) -> str:
        """Give the account a new random password and return it (the operator's command).
        Every session of the account ends."""
        password = generate_password()
        password_hash = await asyncio.to_thread(self._passwords.hash, password)
        await self._store.accounts.set_password(name, password_hash)
        return password

    async def password_matches(self, name: str, password: str) -> bool:
        """Whether ``password`` is the account's password now, with no login made and nothing
        recorded (the demo checks the admin password it kept in a file before printing it)."""
        stored = await self._store.accounts.password_hash(name)
        return await asyncio.to_thread(self._passwords.verify, stored, password)

    async def update_password(
        self, name: str, current: str, new: str, *, source: str | None = None
    ) -> None:
        """Change a password, knowing the current one (rate-limited like a login). Every
        session of the account ends, so the caller logs in again."""
        await self._check_password(name, current, source)
        self._passwords.check(new, account=name)
        password_hash = await asyncio.to_thread(self._passwords.hash, new)
        await self._store.accounts.set_password(name, password_hash)

    async def login(self, name: str, password: str, source: str | None) -> Session:
        """A session for the right password of an enabled account that may log in.

        Raises :class:`UnauthenticatedError` (never saying whether the account exists) or
        :class:`RateLimitedError`; either carries ``attempt`` for the audit log, and so does
        the session.
        """
        account = await self._check_password(name, password, source)
        attempt = LoginAttempt(name, source, LoginOutcome.SUCCEEDED)
        issued = self.signer.issue(
            account.name, TokenKind.SESSION, expires_in=self.config.session_ttl
        )
        principal = _user(account.name, issued.claims)
        assert issued.claims.expires_at is not None, "sessions expire"
        return Session(issued.token, principal, issued.claims.expires_at, attempt)

    def sso_session(self, name: str, groups: tuple[str, ...]) -> Session:
        """A session for a single sign-on user the OIDC provider vouched for."""
        issued = self.signer.issue(
            name,
            TokenKind.SESSION,
            expires_in=self.config.session_ttl,
            groups=groups,
            extra={"src": SSO_SOURCE},
        )
        principal = Principal(name, PrincipalKind.USER, groups, issued.claims.token_id, sso=True)
        assert issued.claims.expires_at is not None, "sessions expire"
        attempt = LoginAttempt(name, None, LoginOutcome.SUCCEEDED, method="oidc")
        return Session(issued.token, principal, issued.claims.expires_at, attempt)

    async def authenticate(self, bearer: str | None) -> Principal:
        """Who a request acts as, from its session or API token (``None``: none presented).

        ``bearer`` is the token alone: the caller takes it from the ``Authorization: Bearer``
        header or the session cookie. A presented token that fails raises, whatever
        ``anonymous`` says.
        """
        if bearer is None or not bearer.strip():
            if self.config.anonymous:
                return ANONYMOUS
            raise UnauthenticatedError("no credentials were presented", hint="log in first")
        claims = self.signer.verify(bearer.strip(), kinds=_BEARER_KINDS)
        if claims.kind is TokenKind.API:
            return await self._api_principal(claims)
        if await self._store.accounts.session_ended(claims.token_id):
            raise TokenInvalidError("the session was ended by a logout", hint="log in again")
        if claims.extra.get("src") == SSO_SOURCE:
            return Principal(
                claims.subject, PrincipalKind.USER, claims.groups, claims.token_id, sso=True
            )
        account = await self._usable_account(claims.subject, AccountCapability.LOGIN)
        if claims.issued_at < account.password_changed_at.replace(microsecond=0):
            raise TokenInvalidError(
                "the session began before the account's password changed", hint="log in again"
            )
        return _user(account.name, claims)

    async def logout(self, bearer: str) -> Principal:
        """End the session ``bearer`` (local or single sign-on) before it expires; who it was.
        The caller also clears the cookie (``CookiePolicy.clear_cookie``)."""
        principal = await self.authenticate(bearer)
        claims = self.signer.verify(bearer.strip(), kinds=frozenset({TokenKind.SESSION}))
        assert claims.expires_at is not None, "sessions expire"
        await self._store.accounts.end_session(claims.token_id, claims.subject, claims.expires_at)
        return principal

    async def create_token(
        self, subject: str, *, expires_in: timedelta | None = None, description: str = ""
    ) -> ApiToken:
        """A new API token for an account that may hold them, or for a project role
        (``proj:<project>:<role>``). Whether the project has that role is the caller's check,
        on issuing and on every use; when a role goes, ``store.accounts.delete_tokens``."""
        if not _PROJECT_ROLE.match(subject):
            await self._usable_account(subject, AccountCapability.API_KEY, for_issuing=True)
        issued = self.signer.issue(subject, TokenKind.API, expires_in=expires_in)
        record = await self._store.accounts.add_token(
            issued.claims.token_id,
            subject,
            issued_at=issued.claims.issued_at,
            expires_at=issued.claims.expires_at,
            description=description,
        )
        return ApiToken(issued.token, record)

    async def revoke_token(self, token_id: str) -> bool:
        """Revoke an API token by id; False when there is no such token."""
        return await self._store.accounts.revoke_token(token_id)

    async def list_tokens(self, subject: str | None = None) -> list[TokenRecord]:
        """API tokens (ids, never tokens), revoked ones too; only ``subject``'s when given."""
        return await self._store.accounts.list_tokens(subject)

    async def _check_password(self, name: str, password: str, source: str | None) -> AccountRecord:
        """The account, if ``password`` is its password and it may log in; charged to the
        rate limiter first, and verified in the same time whether the account exists or not."""
        try:
            admission = await self._limiter.admit(name, source)
        except RateLimitedError as err:
            err.attempt = LoginAttempt(name, source, LoginOutcome.RATE_LIMITED)
            raise
        account = await self._store.accounts.get(name)
        stored = await self._store.accounts.password_hash(name)
        matches = await asyncio.to_thread(self._passwords.verify, stored, password)
        if account is None or not matches:
            attempt = LoginAttempt(name, source, LoginOutcome.BAD_CREDENTIALS)
            raise UnauthenticatedError(_WRONG, hint="check them and try again", attempt=attempt)
        if not account.enabled or AccountCapability.LOGIN not in account.capabilities:
            attempt = LoginAttempt(name, source, LoginOutcome.DISABLED)
            raise UnauthenticatedError(_WRONG, hint="check them and try again", attempt=attempt)
        await self._limiter.succeeded(admission)
        return account

    async def _api_principal(self, claims: Claims) -> Principal:
        record = await self._store.accounts.get_token(claims.token_id)
        if record is None or record.subject != claims.subject:
            raise TokenInvalidError("the API token is unknown or was deleted", hint=_NEW_TOKEN)
        if record.revoked:
            raise TokenInvalidError("the API token was revoked", hint=_NEW_TOKEN)
        if record.expires_at is not None and record.expires_at <= self._clock():
            raise TokenExpiredError("the API token has expired", hint=_NEW_TOKEN)
        if not _PROJECT_ROLE.match(record.subject):
            await self._usable_account(record.subject, AccountCapability.API_KEY)
        return Principal(record.subject, PrincipalKind.TOKEN, (), record.id)

    async def _usable_account(
        self, name: str, capability: AccountCapability, *, for_issuing: bool = False
    ) -> AccountRecord:
        account = await self._store.accounts.get(name)
        if account is not None and account.enabled and capability in account.capabilities:
            return account
        if for_issuing:
            if account is None:
                raise RecordNotFoundError(
                    "there is no such account",
                    where=Location(obj=f"account {name}"),
                    hint="name an account or a project role (proj:<project>:<role>)",
                )
            raise ConfigError(
                f"the account is disabled or lacks the {capability.value} capability",
                where=Location(obj=f"account {name}"),
                hint=f"enable it and give it {capability.value}",
            )
        raise TokenInvalidError(
            "the token's account was deleted, disabled or may no longer use it",
            hint="log in again, or ask for a new API token",
        )


_BEARER_KINDS = frozenset({TokenKind.SESSION, TokenKind.API})
_NEW_TOKEN = "ask for a new API token"  # noqa: S105 - a hint, not a token


def _user(name: str, claims: Claims) -> Principal:
    return Principal(name, PrincipalKind.USER, (), claims.token_id)
