"""How a sandbox is set up: address, timing of the simulated controllers, faults at start,
history sizes and the optional state file. Plain values; nothing here runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["SandboxOptions"]


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """Options of one sandbox; every duration is in seconds.

    ``pod_ready_after`` is how long a pod takes from creation to Ready, ``job_complete_after``
    how long a Job's pod runs before it succeeds, ``crash_back_off`` how long a crashed
    container waits before its first restart (doubling each time, to 30 times as long).
    ``time_scale`` multiplies the durations that objects declare themselves
    (``progressDeadlineSeconds``), so a test can see a deadline pass in a fraction of a second.
    ``watch_history`` is how many change events are kept for watches that resume from a
    resourceVersion (older ones get 410 Gone); ``bookmark_interval`` how often an idle watch
    that allows bookmarks gets one. ``state_file`` makes the cluster survive a restart (loaded
    on start, saved ``save_debounce`` seconds after a change and on stop).
    """

    host: str = "127.0.0.1"
    port: int = 0
    require_token: bool = False
    controllers: bool = True
    pod_ready_after: float = 0.05
    job_complete_after: float = 0.1
    crash_back_off: float = 10.0
    time_scale: float = 1.0
    node_count: int = 1
    watch_history: int = 1000
    bookmark_interval: float = 1.0
    missing_images: frozenset[str] = frozenset()
    seed: int = 0
    request_log_size: int = 10_000
    state_file: Path | None = None
    save_debounce: float = 1.0
