"""Admission of webhook deliveries: few read and decoded at once, off the event loop.

Anyone can post to ``/api/webhook`` when no secret is configured, so a storm of deliveries must
not take the server's memory or its event loop. A delivery is read only once it holds one of
``slots`` parse slots (until then its body stays in the socket: uvicorn reads no further), at
most ``max_waiting`` wait for one, and any more are refused at once with 503 and Retry-After.
Verifying and decoding run on a worker thread (``gitward.server.webhooks.parse_webhook``, whose
size and shape budgets bound what one decode may cost), so ``/healthz`` and the API keep
answering meanwhile. It holds no other state and decides nothing about payloads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from gitward.server.webhooks import (
    DEFAULT_MAX_BYTES,
    DEFAULT_UNSIGNED_MAX_BYTES,
    ParseBudget,
    Push,
    WebhookSecrets,
    detect_provider_of,
    parse_webhook,
    size_limit,
)

__all__ = ["BusyError", "WebhookIntake"]

ReadBody = Callable[[int], Awaitable[bytes]]


class BusyError(Exception):
    """Every parse slot is taken and enough deliveries wait already: retry later."""


@dataclass
class WebhookIntake:
    """The limits and the slots deliveries pass through (see the module docstring)."""

    secrets: WebhookSecrets = field(default_factory=WebhookSecrets)
    max_bytes: int = DEFAULT_MAX_BYTES
    unsigned_max_bytes: int = DEFAULT_UNSIGNED_MAX_BYTES
    budget: ParseBudget = field(default_factory=ParseBudget)
    slots: int = 2
    max_waiting: int = 8
    _free: asyncio.Semaphore = field(init=False, repr=False)
    _waiting: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self._free = asyncio.Semaphore(max(1, self.slots))

    def limit_for(self, headers: Mapping[str, str]) -> int:
        """The largest body read for a delivery with these (lower-cased) headers."""
        provider = detect_provider_of(headers)
        return size_limit(self.secrets, provider, self.max_bytes, self.unsigned_max_bytes)

    async def receive(self, headers: Mapping[str, str], read_body: ReadBody) -> tuple[Push, ...]:
        """Read (at most the limit + 1 bytes), verify and decode one delivery; raises
        ``BusyError`` when it cannot have a slot, ``WebhookError`` when it is refused."""
        async with self._slot():
            body = await read_body(self.limit_for(headers))
            return await asyncio.to_thread(
                parse_webhook,
                headers,
                body,
                self.secrets,
                max_bytes=self.max_bytes,
                unsigned_max_bytes=self.unsigned_max_bytes,
                budget=self.budget,
            )

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._free.locked() and self._waiting >= self.max_waiting:
            raise BusyError
        self._waiting += 1
        try:
            await self._free.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._free.release()
