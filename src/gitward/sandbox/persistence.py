"""The optional state file: the cluster as JSON, so a demo survives a restart.

Loaded once before the server starts; written atomically (temporary file, then rename) a short
while after changes settle and once more on stop. This module must not interpret objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gitward.errors import ConfigError, Location
from gitward.sandbox.store import Event, Store

__all__ = ["StateSaver", "load_state", "save_state"]

_FORMAT = 1


def load_state(path: Path) -> dict[str, Any] | None:
    """The saved state, None when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(
            f"cannot read the sandbox state file: {err.strerror}",
            where=Location(file=str(path)),
            hint="check its permissions, or point --state-file elsewhere",
        ) from err
    try:
        state = json.loads(text)
    except ValueError as err:
        raise ConfigError(
            f"the sandbox state file is not valid JSON ({err})",
            where=Location(file=str(path)),
            hint="delete it to start with an empty cluster",
        ) from err
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ConfigError(
            "the sandbox state file has an unknown format",
            where=Location(file=str(path), field="format"),
            hint="delete it to start with an empty cluster",
        )
    return state


def save_state(path: Path, store: Store) -> None:
    """Write the store to ``path`` atomically."""
    state = {"format": _FORMAT, **store.dump()}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out, separators=(",", ":"))
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise


class StateSaver:
    """Saves the store ``debounce`` seconds after the last change, and on :meth:`stop`."""

    def __init__(self, path: Path, store: Store, debounce: float) -> None:
        self._path = path
        self._store = store
        self._debounce = debounce
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._store.subscribe(self._changed)

    def _changed(self, event: Event) -> None:
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._debounce, self._save)

    def _save(self) -> None:
        self._timer = None
        save_state(self._path, self._store)

    def stop(self) -> None:
        self._store.unsubscribe(self._changed)
        if self._timer is not None:
            self._timer.cancel()
        self._save()
