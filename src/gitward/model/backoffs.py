"""Exponential backoff that stays finite: ``base * factor ** n``, at most ``cap``, for any ``n``.

Retries can go on forever (``retry.limit: -1``, a selfHeal that keeps correcting, an app whose
git server is down for a week), so the exponent grows without bound. Python raises
``OverflowError`` for ``2.0 ** 1025``; this module compares exponents in log space instead and
never computes a power that could exceed the cap. It also holds the bounds every sync retry
delay is clamped to. Pure arithmetic: no clock, no I/O.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["MAX_RETRY_DELAY_S", "MIN_RETRY_DELAY_S", "capped_exponential", "clamp_delay"]

MIN_RETRY_DELAY_S: Final = 1.0
"""The shortest wait between two sync attempts (``retry.backoff.duration`` below it is raised)."""
MAX_RETRY_DELAY_S: Final = 24 * 3600.0
"""The longest wait between two sync attempts (``duration`` and ``maxDuration`` above it are
lowered; a ``maxDuration`` of 0, "no cap" in Argo CD, means this)."""


def capped_exponential(base: float, factor: float, exponent: int, cap: float) -> float:
    """``base * factor ** exponent``, at most ``cap``; 0 for a base of 0 or less.

    ``cap`` must be finite. A ``factor`` of 1 or less (or an exponent of 0 or less) keeps
    ``base``, then capped.
    """
    if not base > 0:
        return 0.0
    if not math.isfinite(base) or base >= cap:
        return cap
    if exponent <= 0 or factor <= 1:
        return base
    if exponent >= math.log(cap / base, factor):
        return cap
    return min(cap, base * factor**exponent)


def clamp_delay(seconds: float) -> float:
    """``seconds`` within [``MIN_RETRY_DELAY_S``, ``MAX_RETRY_DELAY_S``] (NaN: the minimum)."""
    if not seconds >= MIN_RETRY_DELAY_S:
        return MIN_RETRY_DELAY_S
    return min(seconds, MAX_RETRY_DELAY_S)
