"""Progress of a long operation on stderr: a live rich status line on a terminal, plain lines
(one per change) otherwise, so logs of pipelines stay readable and stdout stays for results.

It only shows lines it is given; it must not decide what they say.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.status import Status

__all__ = ["Progress"]


class Progress:
    """Shows the latest state line; repeated lines are shown once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._last = ""
        self._status: Status | None = None
        if self._stream.isatty():
            from rich.console import Console  # noqa: PLC0415 - only a terminal needs rich

            self._status = Console(file=self._stream).status("")

    def __enter__(self) -> Progress:
        if self._status is not None:
            self._status.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()
            if self._last:
                self._stream.write(self._last + "\n")

    def show(self, line: str) -> None:
        """Show ``line`` if it differs from the one shown last."""
        if line == self._last:
            return
        self._last = line
        if self._status is not None:
            from rich.text import Text  # noqa: PLC0415 - loaded with Console above

            self._status.update(Text(line))
        else:
            self._stream.write(line + "\n")
            self._stream.flush()
