"""Waiting on a condition with a bound, never a sleep standing in for it: the condition is
asked again until its first truthy answer, and the test fails naming what never came."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def wait_for(ready: Callable[[], Any], within: float, what: str, every: float = 0.1) -> Any:
    """``ready()``'s first truthy answer, asked every ``every`` seconds; AssertionError naming
    ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = ready()
        if found:
            return found
        threading.Event().wait(every)
    raise AssertionError(f"{what}: not within {within:g}s")
