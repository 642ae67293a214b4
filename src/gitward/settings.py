"""gitward's settings: grouped, frozen, documented, read from the environment in one place.

Every knob an operator can turn lives here with its default and the environment variable that
sets it, so no other module reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gitward.errors import ConfigError, Location

__all__ = [
    "DEFAULT_GIT_TIMEOUT_S",
    "ControllerSettings",
    "GitSettings",
    "Settings",
    "default_cache_dir",
]

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
class ControllerSettings:
    """How the reconcile loop runs (Argo CD 3's defaults where it has one)."""

    workers: int = 8
    """Apps reconciled at once (``$GITWARD_CONTROLLER_WORKERS``); one app is never reconciled
    by two workers at a time."""
    reconciliation_s: float = 120.0
    """Every app is refreshed this often (``$GITWARD_RECONCILIATION_PERIOD``, Argo CD's
    ``timeout.reconciliation``); 0 turns periodic refreshes off (webhooks and events only)."""
    jitter_s: float = 60.0
    """Up to this much is added to each app's periodic refresh, so that apps do not all refresh
    at once (``$GITWARD_RECONCILIATION_JITTER``)."""
    self_heal_base_s: float = 2.0
    """selfHeal backoff: the second correction of the same revision waits this long, each
    further one ``self_heal_factor`` times longer, at most ``self_heal_cap_s``."""
    self_heal_factor: float = 3.0
    self_heal_cap_s: float = 300.0
    error_backoff_base_s: float = 1.0
    """An app whose reconcile failed (git or cluster unreachable) is retried after this, then
    twice as long each time, at most ``error_backoff_cap_s``."""
    error_backoff_cap_s: float = 300.0
    cache_warm_s: float = 10.0
    """How long a refresh waits for the live cache to list a kind before it reports the cluster
    as unreachable and keeps the app's last known state."""
    poll_interval_s: float = 2.0
    """How often a running sync looks again at resources it waits on (events come sooner)."""
    wave_timeout_s: float = 900.0
    """How long one sync wave (or hook) may take to become healthy before the sync fails."""


@dataclass(frozen=True, slots=True)
class Settings:
    """All of gitward's settings."""

    git: GitSettings = field(default_factory=GitSettings)
    controller: ControllerSettings = field(default_factory=ControllerSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        timeout = float(env.get("GITWARD_GIT_TIMEOUT", DEFAULT_GIT_TIMEOUT_S))
        defaults = ControllerSettings()
        controller = ControllerSettings(
            workers=int(_number(env, "GITWARD_CONTROLLER_WORKERS", defaults.workers, minimum=1)),
            reconciliation_s=_number(
                env, "GITWARD_RECONCILIATION_PERIOD", defaults.reconciliation_s
            ),
            jitter_s=_number(env, "GITWARD_RECONCILIATION_JITTER", defaults.jitter_s),
        )
        return cls(
            git=GitSettings(cache_dir=default_cache_dir(env), timeout_s=timeout),
            controller=controller,
        )


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0) -> float:
    """A non-negative number (at least ``minimum``) from the environment, else ``default``."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= minimum:
        raise ConfigError(
            f"{text!r} is not a number of at least {minimum:g}",
            where=Location(obj="environment", field=name),
            hint=f"Set {name} to a number such as {default:g}, or unset it for the default",
        )
    return value
