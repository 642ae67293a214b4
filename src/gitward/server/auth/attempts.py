"""What the audit log needs to know about a login attempt, as a value.

The API server appends one audit entry per attempt (``store.audit.append(*attempt.audit())``);
authentication itself never writes the audit log, so that a failed login costs no extra write
beyond the rate limiter's. The outcome names why a login failed (for operators); clients only
ever see the generic ``unauthenticated`` or ``rate_limited``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gitward.store import AuditAction

__all__ = ["LoginAttempt", "LoginOutcome"]


class LoginOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    BAD_CREDENTIALS = "bad_credentials"
    """No such account, or the wrong password: the audit log does not say which either."""
    DISABLED = "disabled"
    """The right password for an account that is disabled or may not log in."""
    RATE_LIMITED = "rate_limited"
    SSO_REFUSED = "sso_refused"


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One login attempt: who it claimed to be, from where, and how it ended."""

    name: str
    source: str | None
    outcome: LoginOutcome
    method: str = "password"
    """``password`` or ``oidc``."""

    @property
    def succeeded(self) -> bool:
        return self.outcome is LoginOutcome.SUCCEEDED

    def audit(self) -> tuple[str, AuditAction, str, dict[str, Any]]:
        """``(actor, action, target, details)`` for ``store.audit.append``."""
        details: dict[str, Any] = {
            "result": self.outcome.value,
            "source": self.source or "",
            "method": self.method,
        }
        return self.name[:253], AuditAction.LOGIN, "session", details
