"""The notifications ConfigMap and Secret files, reloaded when they change.

:meth:`NotifyFiles.current` is called before every evaluation and delivery: it looks at the
files' modification times and sizes (a ``stat`` each) and reloads when they changed. A file
that no longer parses keeps the last good configuration, and the error is logged once per
change; the first load's error is raised, so that the server refuses to start on bad input.
Each load warns, naming the file and the key, of services whose type gitward cannot send to yet.
"""

from __future__ import annotations

import logging
from pathlib import Path

from gitward.notify.config import NotifyConfig, NotifyConfigError, load_notify_config
from gitward.notify.delivery import SUPPORTED

__all__ = ["NotifyFiles", "warn_unsupported"]

log = logging.getLogger(__name__)

Stamp = tuple[tuple[int, int], ...]


class NotifyFiles:
    def __init__(self, path: Path, secret_path: Path | None = None) -> None:
        self.path = path
        self.secret_path = secret_path
        self._stamp = self._stamps()
        self._config = load_notify_config(path, secret_path)
        warn_unsupported(self._config, path)

    def current(self) -> NotifyConfig:
        stamp = self._stamps()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._config = load_notify_config(self.path, self.secret_path)
                log.info("notifications: reloaded %s", self.path)
                warn_unsupported(self._config, self.path)
            except NotifyConfigError as err:
                log.warning("notifications: keeping the last good configuration: %s", err.message)
        return self._config

    def _stamps(self) -> Stamp:
        found = []
        for path in (self.path, self.secret_path):
            if path is None:
                continue
            try:
                info = path.stat()
            except OSError:
                found.append((-1, -1))
            else:
                found.append((info.st_mtime_ns, info.st_size))
        return tuple(found)


def warn_unsupported(config: NotifyConfig, path: Path) -> list[str]:
    """Warn of each service gitward cannot send to yet; the warnings."""
    warnings = []
    for service in config.services.values():
        if service.type not in SUPPORTED:
            key = service.type if service.name == service.type else f"{service.type}.{service.name}"
            warnings.append(
                f"{path}: data[service.{key}]: service type {service.type} is not supported yet; "
                "notifications to it will be marked failed"
            )
    for warning in warnings:
        log.warning("notifications: %s", warning)
    return warnings
