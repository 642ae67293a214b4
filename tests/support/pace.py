"""How fast the worlds run: a sandbox whose simulated controllers answer in fractions of a
second, and a controller that looks again, backs off and times out quickly. A world that needs
another pace changes a field (``dataclasses.replace``) and says why."""

from __future__ import annotations

from gitward.sandbox import SandboxOptions
from gitward.settings import ControllerSettings

QUICK_SANDBOX = SandboxOptions(pod_ready_after=0.02, job_complete_after=0.05, time_scale=0.002)
"""Pods ready, Jobs complete at once; ``time_scale`` shrinks progressDeadlineSeconds (600 s ->
1.2 s)."""

QUICK_CONTROLLER = ControllerSettings(
    workers=4,
    reconciliation_s=1.0,
    jitter_s=0.2,
    self_heal_base_s=0.2,
    error_backoff_base_s=0.1,
    error_backoff_cap_s=1.0,
    cache_warm_s=5.0,
    poll_interval_s=0.2,
    wave_timeout_s=60.0,
)
