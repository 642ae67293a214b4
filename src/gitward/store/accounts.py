"""Local accounts, the ids of API tokens and ended sessions, the signing key, rate-limit buckets.

What authentication needs to keep across restarts and processes, and nothing of its policy:
hashing passwords, signing tokens and deciding rate limits happen in ``gitward.server.auth``.
Reads return records without password hashes (only :meth:`Accounts.password_hash` gives one);
tokens are kept by id, never as tokens; the signing key is sealed with the store's secret key.
:meth:`Accounts.adjust_throttles` reads and rewrites buckets in one locked transaction, so that
concurrent logins, in one process or several, cannot each see the same allowance.
"""

from __future__ import annotations

import base64
import builtins
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gitward.errors import Location
from gitward.store.access import Context
from gitward.store.failures import RecordNotFoundError, StoreConfigError
from gitward.store.records import (
    AccountCapability,
    AccountRecord,
    Credentials,
    ThrottleState,
    TokenRecord,
)
from gitward.store.tables import (
    SUBJECT,
    AccountRow,
    EndedSessionRow,
    SigningKeyRow,
    ThrottleRow,
    TokenRow,
)
from gitward.store.values import aware

__all__ = [
    "AccountCapability",
    "AccountRecord",
    "Accounts",
    "ThrottleChange",
    "ThrottleState",
    "TokenRecord",
]

T = TypeVar("T")
ThrottleChange = Callable[
    [Mapping[str, ThrottleState | None]], tuple[Mapping[str, ThrottleState | None], T]
]
"""Given the buckets as they are (None: none yet), the buckets to write (None: forget it) and
what to tell the caller."""

_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,252}$")
_SESSION_KEY = "session"
_KEY_BYTES = 64


class Accounts:
    """``store.accounts``: accounts, API token ids, ended sessions, the signing key and
    rate-limit buckets."""

    def __init__(self, context: Context) -> None:
        self._access = context.access
        self._clock = context.clock
        self._sealer = context.sealer

    async def add(
        self,
        name: str,
        password_hash: str,
        *,
        capabilities: Iterable[AccountCapability] = (AccountCapability.LOGIN,),
        enabled: bool = True,
    ) -> AccountRecord | None:
        """Create the account unless one of that name exists: the new record, else None.

        Atomic: of several processes adding the same name at once, exactly one gets a record.
        """
        where = _where(name)
        _check_name(name, where)
        now = self._clock()
        values = {
            "name": name,
            "password_hash": _checked_hash(password_hash, where),
            "enabled": enabled,
            "capabilities": _capabilities(capabilities, where),
            "created_at": now,
            "updated_at": now,
            "password_changed_at": now,
        }
        async with self._access.writing() as session:
            added = await session.scalar(
                _insert_ignoring_conflict(session, AccountRow, values, "name").returning(
                    AccountRow.name
                )
            )
            if added is None:
                return None
            return _account(await _account_row(session, name))

    async def get(self, name: str) -> AccountRecord | None:
        async with self._access.reading() as session:
            row = await session.get(AccountRow, name)
            return None if row is None else _account(row)

    async def list(self) -> list[AccountRecord]:
        async with self._access.reading() as session:
            rows = (await session.scalars(sa.select(AccountRow).order_by(AccountRow.name))).all()
            return [_account(row) for row in rows]

    async def password_hash(self, name: str) -> str | None:
        """The account's password hash, for verifying a login; None when there is no account."""
        async with self._access.reading() as session:
            return await session.scalar(
                sa.select(AccountRow.password_hash).where(AccountRow.name == name)
            )

    async def set_password(self, name: str, password_hash: str) -> AccountRecord:
        """Replace the account's password hash; ``password_changed_at`` becomes now."""
        where = _where(name)
        checked = _checked_hash(password_hash, where)
        now = self._clock()
        async with self._access.writing() as session:
            row = await _account_row(session, name, for_update=True)
            row.password_hash = checked
            row.password_changed_at = row.updated_at = now
            return _account(row)

    async def update(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        capabilities: Iterable[AccountCapability] | None = None,
    ) -> AccountRecord:
        """Enable or disable the account, or change what it may do."""
        where = _where(name)
        wanted = None if capabilities is None else _capabilities(capabilities, where)
        async with self._access.writing() as session:
            row = await _account_row(session, name, for_update=True)
            if enabled is not None:
                row.enabled = enabled
            if wanted is not None:
                row.capabilities = wanted
            row.updated_at = self._clock()
            return _account(row)

    async def delete(self, name: str) -> bool:
        """Remove the account and every API token issued to it."""
        async with self._access.writing() as session:
            await session.execute(sa.delete(TokenRow).where(TokenRow.subject == name))
            result = await session.execute(sa.delete(AccountRow).where(AccountRow.name == name))
            return bool(getattr(result, "rowcount", 0))

    async def add_token(
        self,
        token_id: str,
        subject: str,
        *,
        issued_at: datetime,
        expires_at: datetime | None = None,
        description: str = "",
    ) -> TokenRecord:
        """Record that a token with this id was issued to ``subject`` (an account or
        ``proj:<project>:<role>``)."""
        where = Location(obj=f"API token {token_id}")
        _check_token(token_id, subject, where)
        row = TokenRow(
            id=token_id,
            subject=subject,
            description=description,
            issued_at=aware(issued_at, where.at("issued_at")),
            expires_at=aware(expires_at, where.at("expires_at")),
            revoked=False,
            revoked_at=None,
        )
        async with self._access.writing() as session:
            session.add(row)
            await session.flush()
            return _token(row)

    async def get_token(self, token_id: str) -> TokenRecord | None:
        async with self._access.reading() as session:
            row = await session.get(TokenRow, token_id)
            return None if row is None else _token(row)

    async def list_tokens(self, subject: str | None = None) -> builtins.list[TokenRecord]:
        """Tokens, revoked ones too, oldest first; only ``subject``'s when given."""
        query = sa.select(TokenRow).order_by(TokenRow.issued_at, TokenRow.id)
        if subject is not None:
            query = query.where(TokenRow.subject == subject)
        async with self._access.reading() as session:
            return [_token(row) for row in (await session.scalars(query)).all()]

    async def revoke_token(self, token_id: str) -> bool:
        """Mark the token revoked (it stays listed); False when there is no such token."""
        async with self._access.writing() as session:
            row = await session.get(TokenRow, token_id, with_for_update=True)
            if row is None:
                return False
            if not row.revoked:
                row.revoked, row.revoked_at = True, self._clock()
            return True

    async def delete_tokens(self, subject: str) -> int:
        """Forget every token of ``subject`` (a project role that was removed); how many."""
        async with self._access.writing() as session:
            result = await session.execute(sa.delete(TokenRow).where(TokenRow.subject == subject))
            return int(getattr(result, "rowcount", 0))

    async def end_session(self, session_id: str, subject: str, expires_at: datetime) -> None:
        """Remember that the session ``session_id`` ended (logout) until it would have expired;
        sessions that expired by now are forgotten on the way."""
        where = Location(obj=f"session of {subject}")
        _check_token(session_id, subject, where)
        values = {
            "id": session_id,
            "subject": subject,
            "expires_at": aware(expires_at, where.at("expires_at")),
        }
        async with self._access.writing() as session:
            await session.execute(
                sa.delete(EndedSessionRow).where(EndedSessionRow.expires_at < self._clock())
            )
            await session.execute(_insert_ignoring_conflict(session, EndedSessionRow, values, "id"))

    async def session_ended(self, session_id: str) -> bool:
        """Whether the session ``session_id`` was ended by a logout."""
        async with self._access.reading() as session:
            return await session.get(EndedSessionRow, session_id) is not None

    async def signing_key(self) -> bytes:
        """The key that signs gitward's tokens: made once, on first use, and kept sealed."""
        async with self._access.writing() as session:
            row = await session.get(SigningKeyRow, _SESSION_KEY)
            if row is None:
                fresh = base64.urlsafe_b64encode(secrets.token_bytes(_KEY_BYTES)).decode()
                values = {
                    "name": _SESSION_KEY,
                    "sealed": self._sealer.seal(Credentials(bearer_token=fresh)),
                    "created_at": self._clock(),
                }
                await session.execute(
                    _insert_ignoring_conflict(session, SigningKeyRow, values, "name")
                )
                row = await session.get(SigningKeyRow, _SESSION_KEY, populate_existing=True)
            assert row is not None, "the signing key was just inserted"
            sealed = row.sealed
        opened = self._sealer.open(sealed, "", Location(obj="the session signing key"))
        return base64.urlsafe_b64decode(opened.bearer_token)

    async def adjust_throttles(self, keys: Iterable[str], change: ThrottleChange[T]) -> T:
        """Read the buckets ``keys``, locked, and write what ``change`` makes of them.

        One transaction: no other writer reads these buckets in between. Buckets past their
        ``expires_at`` are swept on the way.
        """
        wanted = sorted(set(keys))  # one lock order for every caller: no deadlocks
        now = self._clock()
        async with self._access.writing() as session:
            await session.execute(sa.delete(ThrottleRow).where(ThrottleRow.expires_at < now))
            for key in wanted:
                placeholder = {"key": key, "level": 0.0, "failures": 0, "blocked_until": None}
                placeholder |= {"updated_at": now, "expires_at": now}
                await session.execute(
                    _insert_ignoring_conflict(session, ThrottleRow, placeholder, "key")
                )
            query = sa.select(ThrottleRow).where(ThrottleRow.key.in_(wanted)).with_for_update()
            rows = {row.key: row for row in (await session.scalars(query)).all()}
            current = {key: _throttle_or_none(rows[key]) for key in wanted}
            changed, answer = change(current)
            for key, state in changed.items():
                _write_throttle(rows[key], state)
            await session.flush()
            return answer


def _insert_ignoring_conflict(
    session: AsyncSession, table: type[Any], values: Mapping[str, Any], key: str
) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING`` in the session's dialect."""
    dialect = postgresql if _dialect(session) == "postgresql" else sqlite
    return dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None, "the store's sessions are bound to an engine"
    return bind.dialect.name


async def _account_row(session: AsyncSession, name: str, *, for_update: bool = False) -> AccountRow:
    row = await session.get(AccountRow, name, with_for_update=for_update, populate_existing=True)
    if row is None:
        raise RecordNotFoundError(
            "there is no such account", where=_where(name), hint="check the account's name"
        )
    return row


def _where(name: str) -> Location:
    return Location(obj=f"account {name}")


def _check_name(name: str, where: Location) -> None:
    if not _ACCOUNT_NAME.match(name):
        raise StoreConfigError(
            "an account name is 1 to 253 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit",
            where=where.at("name"),
            hint="choose another name",
        )


def _checked_hash(password_hash: str, where: Location) -> str:
    if not password_hash.startswith("$"):
        raise StoreConfigError(
            "the password must be stored as a hash (PHC string), never as given",
            where=where.at("password"),
            hint="hash it with gitward.server.auth.passwords first",
        )
    return password_hash


def _capabilities(capabilities: Iterable[AccountCapability], where: Location) -> list[str]:
    try:
        return sorted({AccountCapability(capability).value for capability in capabilities})
    except ValueError:
        raise StoreConfigError(
            "unknown account capability",
            where=where.at("capabilities"),
            hint=f"use {', '.join(c.value for c in AccountCapability)}",
        ) from None


def _check_token(token_id: str, subject: str, where: Location) -> None:
    if not 1 <= len(token_id) <= 64:
        raise StoreConfigError(
            "a token id is 1 to 64 characters", where=where.at("id"), hint="use a fresh uuid"
        )
    if not subject or len(subject) > SUBJECT:
        raise StoreConfigError(
            f"a token's subject is 1 to {SUBJECT} characters",
            where=where.at("subject"),
            hint="name an account or a project role (proj:<project>:<role>)",
        )


def _account(row: AccountRow) -> AccountRecord:
    return AccountRecord(
        name=row.name,
        enabled=row.enabled,
        capabilities=frozenset(AccountCapability(value) for value in row.capabilities),
        created_at=row.created_at,
        updated_at=row.updated_at,
        password_changed_at=row.password_changed_at,
    )


def _token(row: TokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        subject=row.subject,
        description=row.description,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked=row.revoked,
        revoked_at=row.revoked_at,
    )


def _throttle_or_none(row: ThrottleRow) -> ThrottleState | None:
    """None for a placeholder this transaction made (or an empty bucket): nothing counted."""
    if row.level <= 0 and row.failures == 0 and row.blocked_until is None:
        return None
    return ThrottleState(
        key=row.key,
        level=row.level,
        failures=row.failures,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        blocked_until=row.blocked_until,
    )


def _write_throttle(row: ThrottleRow, state: ThrottleState | None) -> None:
    """Put ``state`` in ``row``; None empties it, and the next sweep removes it."""
    if state is None:
        row.level, row.failures, row.blocked_until = 0.0, 0, None
        row.expires_at = row.updated_at
        return
    row.level, row.failures, row.blocked_until = state.level, state.failures, state.blocked_until
    row.updated_at, row.expires_at = state.updated_at, state.expires_at
