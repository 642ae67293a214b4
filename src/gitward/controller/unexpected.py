"""Exceptions nothing expected: a bug, or an OS failure that no check turned into an error.

A refresh or an operation step that meets one must still tell the user something: it becomes a
``GitwardError`` whose message (type and text, redacted, bounded) is set as the app's condition
(a refresh) or ends the operation in Error (a sync step; nothing is pruned), so the app shows
*why* instead of looping silently. The traceback goes to the log once per app and kind of
failure, not on every retry. It must not decide what the app does next.
"""

from __future__ import annotations

import logging

from gitward.errors import GitwardError
from gitward.redaction import redact

__all__ = ["UnexpectedErrors"]

log = logging.getLogger(__name__)

_MESSAGE_CHARS = 300
_REMEMBERED = 1000


class UnexpectedErrors:
    """Turns unexpected exceptions into errors for conditions; logs each traceback once."""

    def __init__(self) -> None:
        self._logged: set[tuple[str, str, str]] = set()

    def error_of(self, app: str, err: Exception) -> GitwardError:
        """The error to show on ``app`` for ``err`` (logged with its traceback the first time)."""
        text = redact(" ".join(str(err).split()))
        if len(text) > _MESSAGE_CHARS:
            text = f"{text[:_MESSAGE_CHARS]}…"
        kind = type(err).__name__
        key = (app, kind, text)
        if key not in self._logged:
            if len(self._logged) >= _REMEMBERED:
                self._logged.clear()
            self._logged.add(key)
            log.error("%s: unexpected error", app, exc_info=err)
        return GitwardError(
            f"unexpected error: {kind}: {text}" if text else f"unexpected error: {kind}",
            hint="This is a gitward bug or a failure of the machine it runs on; the server log "
            "has the details",
        )
