"""When a failed sync attempt is tried again: Argo CD's backoff.

The n-th retry (``retries_so_far`` = 0 for the first) waits ``duration * factor ** n`` seconds,
at most ``maxDuration``: with the defaults 5 s, 10 s, 20 s, ... up to 3 minutes. Whether to retry
at all is the request's ``retry.limit`` (negative: forever). This module must not talk to a
cluster.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gitward.model.application import Backoff

__all__ = ["next_attempt", "retry_delay"]


def retry_delay(backoff: Backoff, retries_so_far: int) -> float:
    """Seconds to wait before retry number ``retries_so_far + 1``."""
    delay = backoff.duration_s * float(backoff.factor) ** max(0, retries_so_far)
    if backoff.max_duration_s > 0:
        delay = min(delay, backoff.max_duration_s)
    return max(0.0, delay)


def next_attempt(now: datetime, backoff: Backoff, retries_so_far: int) -> datetime:
    """When the next attempt may start."""
    return now + timedelta(seconds=retry_delay(backoff, retries_so_far))
