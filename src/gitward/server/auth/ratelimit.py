"""Login rate limiting that random usernames, concurrency and restarts do not get around.

Every attempt is charged *before* its password is checked, to three buckets at once:

- its source address (IPv6 by /64, as one host usually holds a whole /64): a flood of random
  usernames from one address empties that bucket whatever the names;
- every attempt anywhere: a flood spread over many addresses empties this larger one, which
  drains more slowly relative to its size;
- the username tried (hashed; existing or not, so lockouts do not reveal accounts): after a few
  consecutive failures each further attempt waits twice as long as the one before, up to a cap.

An attempt is admitted only if all three have room; then all three are charged in the same
store transaction (rows locked), so concurrent attempts, from one process or several, cannot
each see the same room. A success refunds the address and global charge and clears the
username's failures. State lives in the store (``store.accounts.adjust_throttles``), so a
restart forgets nothing; in memory there is only a lock. The store forgets a bucket once it has
drained, so its size is bounded by what the global allowance lets through.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gitward.server.auth.failures import RateLimitedError
from gitward.store import Store
from gitward.store.accounts import ThrottleState

__all__ = ["Admission", "Allowance", "LoginLimiter", "LoginLimits", "address_key", "user_key"]

GLOBAL_KEY = "global"
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Allowance:
    """A leaky bucket: ``burst`` attempts at once, then one more each ``every``."""

    burst: int
    every: timedelta


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many login attempts gitward lets through. Defaults suit one team's instance."""

    per_address: Allowance = field(default_factory=lambda: Allowance(10, timedelta(seconds=30)))
    """From one address (an IPv6 /64): 10 at once, then one every 30 seconds."""
    overall: Allowance = field(default_factory=lambda: Allowance(100, timedelta(seconds=3)))
    """From everywhere together: 100 at once, then one every 3 seconds."""
    free_failures: int = 5
    """Consecutive failures for one username before each attempt has to wait."""
    first_delay: timedelta = timedelta(seconds=2)
    """The wait after the first failure past ``free_failures``; it doubles with each one."""
    max_delay: timedelta = timedelta(minutes=15)
    """The longest a username waits between attempts."""
    failure_window: timedelta = timedelta(minutes=30)
    """A username's failures are forgotten this long after its last attempt."""
    ipv6_prefix: int = 64


@dataclass(frozen=True, slots=True)
class Admission:
    """An admitted attempt: which buckets it was charged to, for :meth:`LoginLimiter.succeeded`."""

    address: str
    user: str


def address_key(source: str | None, ipv6_prefix: int = 64) -> str:
    """The bucket of a source address: IPv4 as is, IPv6 by prefix; anything else shares one."""
    try:
        address = ipaddress.ip_address((source or "").strip().strip("[]"))
    except ValueError:
        return "addr:unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"addr:{address.ipv4_mapped}"
        network = ipaddress.IPv6Network((address, ipv6_prefix), strict=False)
        return f"addr:{network}"
    return f"addr:{address}"


def user_key(name: str) -> str:
    """The bucket of a username, however it is cased or however long (hashed: no names kept)."""
    digest = hashlib.sha256(name.strip().casefold().encode("utf-8", "replace")).hexdigest()
    return f"user:{digest[:40]}"


class LoginLimiter:
    """Admits or refuses login attempts; see the module's docstring for the rules."""

    def __init__(self, store: Store, limits: LoginLimits, clock: Clock) -> None:
        self._store = store
        self.limits = limits
        self._clock = clock
        self._lock = asyncio.Lock()

    async def admit(self, name: str, source: str | None) -> Admission:
        """Charge an attempt, or raise :class:`RateLimitedError` saying how long to wait."""
        admission = Admission(address_key(source, self.limits.ipv6_prefix), user_key(name))
        now = self._clock()

        def change(
            current: Mapping[str, ThrottleState | None],
        ) -> tuple[dict[str, ThrottleState | None], float]:
            return _charge(current, admission, self.limits, now)

        async with self._lock:
            keys = (admission.address, GLOBAL_KEY, admission.user)
            wait = await self._store.accounts.adjust_throttles(keys, change)
        if wait > 0:
            raise RateLimitedError(
                f"too many login attempts; try again in {math.ceil(wait)} seconds",
                retry_after=wait,
                hint="wait, then log in again",
            )
        return admission

    async def succeeded(self, admission: Admission) -> None:
        """Refund the attempt's address and global charge; forget the username's failures."""
        now = self._clock()

        def change(
            current: Mapping[str, ThrottleState | None],
        ) -> tuple[dict[str, ThrottleState | None], None]:
            refunded: dict[str, ThrottleState | None] = {admission.user: None}
            for key, allowance in self._buckets(admission).items():
                refunded[key] = _refund(current[key], allowance, now)
            return refunded, None

        async with self._lock:
            keys = (admission.address, GLOBAL_KEY, admission.user)
            await self._store.accounts.adjust_throttles(keys, change)

    def _buckets(self, admission: Admission) -> dict[str, Allowance]:
        return {admission.address: self.limits.per_address, GLOBAL_KEY: self.limits.overall}


def _charge(
    current: Mapping[str, ThrottleState | None],
    admission: Admission,
    limits: LoginLimits,
    now: datetime,
) -> tuple[dict[str, ThrottleState | None], float]:
    """The buckets after charging one attempt, or unchanged with the seconds to wait."""
    buckets = {admission.address: limits.per_address, GLOBAL_KEY: limits.overall}
    levels = {key: _drained(current[key], allowance, now) for key, allowance in buckets.items()}
    waits = [
        (levels[key] + 1 - allowance.burst) * allowance.every.total_seconds()
        for key, allowance in buckets.items()
    ]
    user = current[admission.user]
    if user is not None and user.blocked_until is not None and user.blocked_until > now:
        waits.append((user.blocked_until - now).total_seconds())
    wait = max(waits)
    if wait > 0:
        return {}, wait
    charged: dict[str, ThrottleState | None] = {
        key: _bucket(key, levels[key] + 1, allowance, now) for key, allowance in buckets.items()
    }
    charged[admission.user] = _failed_once(admission.user, user, limits, now)
    return charged, 0.0


def _drained(state: ThrottleState | None, allowance: Allowance, now: datetime) -> float:
    """The bucket's level now, after draining since it was last written."""
    if state is None:
        return 0.0
    elapsed = max(0.0, (now - state.updated_at).total_seconds())
    return max(0.0, state.level - elapsed / allowance.every.total_seconds())


def _bucket(key: str, level: float, allowance: Allowance, now: datetime) -> ThrottleState | None:
    if level <= 0:
        return None
    empty_at = now + allowance.every * level
    return ThrottleState(key=key, level=level, failures=0, updated_at=now, expires_at=empty_at)


def _refund(
    state: ThrottleState | None, allowance: Allowance, now: datetime
) -> ThrottleState | None:
    if state is None:
        return None
    return _bucket(state.key, _drained(state, allowance, now) - 1, allowance, now)


def _failed_once(
    key: str, state: ThrottleState | None, limits: LoginLimits, now: datetime
) -> ThrottleState:
    """The username's bucket with one more failure counted (a success clears it later).

    The attempt that uses up the free failures sets the wait already, so that attempts racing
    it wait too; if it succeeds, the wait is cleared with the failures.
    """
    failures = 1 if state is None else state.failures + 1
    blocked_until = None
    beyond = failures - limits.free_failures  # 0: the last free one; the next one waits
    if beyond >= 0:
        delay = limits.first_delay * 2 ** min(beyond, 30)
        blocked_until = now + min(delay, limits.max_delay)
    forget_at = (blocked_until or now) + limits.failure_window
    return ThrottleState(
        key=key,
        level=0.0,
        failures=failures,
        updated_at=now,
        expires_at=forget_at,
        blocked_until=blocked_until,
    )
