"""Talking to worker processes over pipes: the jq worker (``gitward.diff``) and the Jsonnet
workers (``gitward.render``) each answer one JSON line a request on a pipe, and must be given up on
when the answer does not come in time. One reader (here) and one pool of such workers
(:mod:`gitward.pipes.workers`) serve both; they sit at the bottom of the layers so either may use
them.
"""

from __future__ import annotations

import os
import select
import time

__all__ = ["read_line"]


def read_line(fd: int, deadline: float, *, chunk_size: int = 65536) -> bytes | None:
    """One line from ``fd``, or None at end of file or when ``deadline`` (a
    :func:`time.monotonic` time) passes first."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, chunk_size)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)
