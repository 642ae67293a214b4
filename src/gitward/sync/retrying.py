"""When a failed sync attempt is tried again: Argo CD's backoff.

The n-th retry (``retries_so_far`` = 0 for the first) waits ``duration * factor ** n`` seconds,
at most ``maxDuration``: with the defaults 5 s, 10 s, 20 s, ... up to 3 minutes. Whether to retry
at all is the request's ``retry.limit`` (negative: forever), so ``n`` has no bound: the delay is
computed without overflow and always lies between 1 s and 24 h (``gitward.model.backoffs``), even
for a stored request that predates those bounds. This module must not talk to a cluster.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gitward.model.application import Backoff
from gitward.model.backoffs import MAX_RETRY_DELAY_S, capped_exponential, clamp_delay

__all__ = ["next_attempt", "retry_delay"]


def retry_delay(backoff: Backoff, retries_so_far: int) -> float:
    """Seconds to wait before retry number ``retries_so_far + 1``."""
    cap = clamp_delay(backoff.max_duration_s) if backoff.max_duration_s > 0 else MAX_RETRY_DELAY_S
    delay = capped_exponential(
        clamp_delay(backoff.duration_s), max(1, backoff.factor), retries_so_far, cap
    )
    return clamp_delay(delay)


def next_attempt(now: datetime, backoff: Backoff, retries_so_far: int) -> datetime:
    """When the next attempt may start."""
    return now + timedelta(seconds=retry_delay(backoff, retries_so_far))
