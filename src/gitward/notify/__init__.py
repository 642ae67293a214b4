"""Notifications in Argo CD's format: ``argocd-notifications-cm`` triggers, templates and
services, subscriptions as app and project annotations, delivered by webhook and email.

Sits just above the controller: it follows the controller's event stream and keeps its state in
the store; the server wires it (``gitward server --notifications FILE``).
"""

from __future__ import annotations

from gitward.notify.config import NotifyConfig, NotifyConfigError, load_notify_config
from gitward.notify.files import NotifyFiles
from gitward.notify.notifier import AppDocuments, Notifier

__all__ = [
    "AppDocuments",
    "Notifier",
    "NotifyConfig",
    "NotifyConfigError",
    "NotifyFiles",
    "load_notify_config",
]
