"""How authentication behaves: one frozen value, documented field by field.

Read from settings or the command line by the server; nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from gitward.server.auth.passwords import PasswordPolicy
from gitward.server.auth.ratelimit import LoginLimits

__all__ = ["ADMIN", "AuthConfig"]

ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class AuthConfig:
    session_ttl: timedelta = timedelta(hours=24)
    """How long a login lasts (Argo CD's default too)."""
    anonymous: bool = False
    """Whether requests without credentials act as the anonymous principal (Argo CD's
    ``users.anonymous.enabled``). Never applies to requests whose credentials fail."""
    admin_name: str = ADMIN
    """The account created with a random password on first start."""
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    login_limits: LoginLimits = field(default_factory=LoginLimits)
