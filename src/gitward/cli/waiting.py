"""Waiting for an application to reach a state: synced, healthy, its operation finished.

For ``gitward app wait`` and for ``app sync``/``app rollback`` without ``--async``. Updates come
from the server's event stream; when the stream cannot be opened or breaks off, the wait goes on
by polling, at most every few seconds. The app is also fetched anew when the stream has only
sent keep-alives for a while, so an update missed between fetch and subscribe costs seconds,
not the whole wait. Every wait has a deadline unless the timeout is 0.

It must not print anything but through the ``show`` callback it is given.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitward.cli.app_views import TERMINAL_PHASES, dig, text
from gitward.cli.client import ApiClient, ApiError, quoted
from gitward.errors import GitwardError, UsageError

__all__ = ["Goal", "WaitTimeoutError", "commit_id", "wait_for"]

POLL_FIRST = 0.5
POLL_MOST = 5.0
REFRESH_AFTER = 10.0
STREAM_READ = 15.0
_COMMIT = re.compile(r"[0-9a-f]{7,64}")


class WaitTimeoutError(GitwardError):
    """The app did not reach the goal before the deadline."""


@dataclass(frozen=True, slots=True)
class Goal:
    """What to wait for. ``after_operation`` (the ``startedAt`` of the operation that was there
    before a sync was asked for) makes the wait hold out for a *new* operation."""

    sync: bool = False
    health: bool = False
    operation: bool = False
    new_operation: bool = False
    after_operation: str = ""
    revision: str = ""
    """A commit (full or abbreviated): the app must have compared it (``status.sync.revision``,
    or one of ``revisions`` for a multi-source app) before the rest of the goal counts."""

    def describe(self) -> str:
        """``synced, healthy and done with its operation`` (``at revision 1a2b3c4``)."""
        wanted = [
            words
            for on, words in (
                (self.sync, "synced"),
                (self.health, "healthy"),
                (self.operation, "done with its operation"),
            )
            if on
        ]
        said = (
            " and ".join(wanted) if len(wanted) < 3 else f"{wanted[0]}, {wanted[1]} and {wanted[2]}"
        )
        return f"{said} at revision {self.revision}" if self.revision else said

    def at_revision(self, app: object) -> bool:
        """Whether the app's last comparison was of the awaited commit (always, without one)."""
        if not self.revision:
            return True
        compared = dig(app, "status", "sync", "revisions")
        revisions = [text(app, "status", "sync", "revision")]
        if isinstance(compared, list):
            revisions += [item for item in compared if isinstance(item, str)]
        return any(revision.startswith(self.revision) for revision in revisions if revision)

    def operation_finished(self, app: object) -> bool:
        """Whether the operation waited for (a new one, when asked) has ended."""
        state = dig(app, "status", "operationState")
        if not isinstance(state, dict):
            return not self.new_operation
        if self.new_operation and text(state, "startedAt") == self.after_operation:
            return False
        return text(state, "phase") in TERMINAL_PHASES

    def operation_failed(self, app: object) -> bool:
        """Whether the operation waited for ended in Failed or Error."""
        phase = text(app, "status", "operationState", "phase")
        return self.operation and self.operation_finished(app) and phase in {"Failed", "Error"}

    def reached(self, app: object) -> bool:
        """Whether ``app`` is where the goal wants it."""
        if not self.at_revision(app):
            return False
        if self.operation and not self.operation_finished(app):
            return False
        if self.sync and text(app, "status", "sync", "status") != "Synced":
            return False
        return not (self.health and text(app, "status", "health", "status") != "Healthy")


def commit_id(text: str) -> str:
    """``--revision``: a commit's id, full or abbreviated (7 hex digits at least), lowercase."""
    wanted = text.strip().lower()
    if not _COMMIT.fullmatch(wanted):
        raise UsageError(
            f"--revision {text!r} is not a commit id",
            hint="Give the commit's SHA, for a branch: --revision $(git rev-parse BRANCH)",
        )
    return wanted


def wait_for(
    client: ApiClient,
    name: str,
    goal: Goal,
    *,
    timeout: float,
    show: Callable[[Any], None],
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> Any:
    """The app once it reaches ``goal`` or its awaited operation fails; raises
    :class:`WaitTimeoutError` after ``timeout`` seconds (never, for 0)."""
    waiter = _Waiter(client, name, goal, timeout, show, clock, pause)
    found = waiter.by_stream()
    return found if found is not None else waiter.by_polling()


class _Waiter:
    def __init__(
        self,
        client: ApiClient,
        name: str,
        goal: Goal,
        timeout: float,
        show: Callable[[Any], None],
        clock: Callable[[], float],
        pause: Callable[[float], None],
    ) -> None:
        self.client, self.name, self.goal, self.timeout = client, name, goal, timeout
        self.show, self.clock, self.pause = show, clock, pause
        self.deadline = clock() + timeout if timeout > 0 else None
        self.fetched_at = clock()

    def by_stream(self) -> Any:
        """The app if the goal is met while the stream lasts; ``None`` to go on polling."""
        params = {"name": self.name}
        try:
            with self.client.event_stream(
                "/api/v1/stream/applications", params, read_timeout=self._read_timeout()
            ) as events:
                app = self.fetch()
                if self.settled(app):
                    return app
                for event in events:
                    app = self._from_event(event)
                    if app is not None and self.settled(app):
                        return app
                    self.check_deadline()
        except ApiError as error:
            if error.code in {"unauthenticated", "permission_denied"}:
                raise
        return None

    def by_polling(self) -> Any:
        interval = POLL_FIRST
        while True:
            app = self.fetch()
            if self.settled(app):
                return app
            self.check_deadline()
            self.pause(min(interval, self._remaining()))
            interval = min(interval * 1.5, POLL_MOST)

    def fetch(self) -> Any:
        self.fetched_at = self.clock()
        return self.client.get(f"/api/v1/applications/{quoted(self.name)}")

    def settled(self, app: Any) -> bool:
        self.show(app)
        return self.goal.reached(app) or self.goal.operation_failed(app)

    def check_deadline(self) -> None:
        if self._remaining() <= 0:
            raise WaitTimeoutError(
                f"timed out ({self.timeout:g}s) waiting for app {self.name!r} to be "
                + self.goal.describe()
            )

    def _from_event(self, event: Any) -> Any:
        """The app an event carries; on a keep-alive, a fresh fetch now and then."""
        if event is None:
            return self.fetch() if self.clock() - self.fetched_at > REFRESH_AFTER else None
        result = dig(event, "result")
        app = dig(result, "application")
        if text(app, "metadata", "name") != self.name:
            return None
        if text(result, "type") == "DELETED":
            raise GitwardError(f"app {self.name!r} was deleted while waiting for it")
        return app

    def _remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - self.clock()

    def _read_timeout(self) -> float:
        return max(0.1, min(STREAM_READ, self._remaining()))
