"""Argo CD's ``argocd-cm`` settings file, read as it is: parsed, applied and reloaded.

Modules: ``document`` (the file as ConfigMap data), ``resources`` (the ``resource.*`` keys),
``parsing`` (every key, with warnings), ``applying`` (into a running server), ``watching``
(reload on change) and ``serving`` (what ``gitward.server.running`` calls).
"""

from __future__ import annotations

from gitward.server.argocdcm.document import SettingsDocument, read_document, read_file
from gitward.server.argocdcm.parsing import ArgoCdSettings, parse_settings
from gitward.server.argocdcm.serving import (
    SettingsFiles,
    load_settings,
    show_policy,
    watch_files,
)

__all__ = [
    "ArgoCdSettings",
    "SettingsDocument",
    "SettingsFiles",
    "load_settings",
    "parse_settings",
    "read_document",
    "read_file",
    "show_policy",
    "watch_files",
]
