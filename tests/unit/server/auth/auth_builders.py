"""Builders for the authentication tests: a clock that moves when told, cheap argon2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from gitward.server.auth.passwords import Passwords


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def cheap_hasher() -> PasswordHasher:
    """argon2id with the smallest parameters: the same algorithm, milliseconds per hash."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def cheap_passwords() -> Passwords:
    return Passwords(cheap_hasher())
