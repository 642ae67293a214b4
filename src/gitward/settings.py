"""gitward's settings: grouped, frozen, documented, read from the environment in one place.

Every knob an operator can turn lives here with its default and the environment variable that
sets it, so no other module reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_GIT_TIMEOUT_S", "GitSettings", "Settings", "default_cache_dir"]

DEFAULT_GIT_TIMEOUT_S = 90.0


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$GITWARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/gitward``, else ``~/.cache/gitward``."""
    env = os.environ if env is None else env
    if env.get("GITWARD_CACHE_DIR"):
        return Path(env["GITWARD_CACHE_DIR"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "gitward"


@dataclass(frozen=True, slots=True)
class GitSettings:
    """How gitward talks to git."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    """Bare mirrors (``mirrors/``) and one materialised tree per commit (``trees/``)."""
    timeout_s: float = DEFAULT_GIT_TIMEOUT_S
    """A git command running longer than this is killed, with everything it started."""


@dataclass(frozen=True, slots=True)
class Settings:
    """All of gitward's settings."""

    git: GitSettings = field(default_factory=GitSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        timeout = float(env.get("GITWARD_GIT_TIMEOUT", DEFAULT_GIT_TIMEOUT_S))
        return cls(git=GitSettings(cache_dir=default_cache_dir(env), timeout_s=timeout))
