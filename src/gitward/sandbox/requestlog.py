"""A bounded log of the requests the sandbox served, readable from Python while it runs.

Tests use it to observe what a client did and in which order (the order of applies in a sync
wave, whether a dry run came first) and, through the timestamps, how long the server held a
request. Records are appended from the server's thread and read from any thread. This module
must not decide anything about requests.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

__all__ = ["RequestLog", "RequestRecord"]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One served request.

    ``verb`` is the Kubernetes verb (get, list, watch, create, update, patch, delete,
    deletecollection) except that a server-side apply is ``apply``; non-resource requests
    (discovery, /version, /openapi) are ``discovery``. ``received_at`` and ``responded_at``
    are ``time.monotonic()`` readings of the server process (``responded_at`` is when the
    response started, so a watch has one too).
    """

    method: str
    path: str
    verb: str
    group: str
    version: str
    kind: str
    namespace: str
    name: str
    subresource: str
    dry_run: bool
    field_manager: str
    status: int
    received_at: float
    responded_at: float


class RequestLog:
    """The newest ``capacity`` records, oldest first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=max(1, capacity))
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
