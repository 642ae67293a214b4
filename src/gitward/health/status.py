"""Health statuses, their order, and the value every check returns.

The order is Argo CD's, from most to least healthy: Healthy < Suspended < Progressing < Missing <
Degraded < Unknown. "Worse" means later in that order, so an app is as unhealthy as its unhealthiest
resource. Nothing here reads objects: this module is the vocabulary the checks speak.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Health", "HealthStatus", "is_worse", "worst"]


class HealthStatus(enum.Enum):
    """A resource's health, as Argo CD names it (the values are the strings Argo CD writes)."""

    HEALTHY = "Healthy"
    SUSPENDED = "Suspended"
    PROGRESSING = "Progressing"
    MISSING = "Missing"
    DEGRADED = "Degraded"
    UNKNOWN = "Unknown"

    @property
    def rank(self) -> int:
        """0 for Healthy up to 5 for Unknown."""
        return _ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, HealthStatus):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, HealthStatus):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, HealthStatus):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, HealthStatus):
            return NotImplemented
        return self.rank >= other.rank

    @classmethod
    def parse(cls, text: object) -> HealthStatus | None:
        """The status named exactly by ``text`` ("Healthy"), or None for anything else."""
        for status in cls:
            if status.value == text:
                return status
        return None


_ORDER = tuple(HealthStatus)


def is_worse(current: HealthStatus, new: HealthStatus) -> bool:
    """True when ``new`` is a worse condition than ``current``."""
    return new.rank > current.rank


@dataclass(frozen=True, slots=True)
class Health:
    """One verdict: a status and a sentence for an operator (empty when there is nothing to say)."""

    status: HealthStatus
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status.value}: {self.message}" if self.message else self.status.value


def worst(healths: Iterable[Health]) -> Health | None:
    """The first of the worst verdicts, or None when there are none."""
    found: Health | None = None
    for health in healths:
        if found is None or is_worse(found.status, health.status):
            found = health
    return found
