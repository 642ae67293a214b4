"""The settings file and the RBAC file of a running server: loaded at start, reloaded on change.

``gitward server --settings argocd-cm.yaml --rbac argocd-rbac-cm.yaml``: both files are read
before the server serves (a bad one stops it, naming the file and the key), then watched
(:mod:`.watching`); a good new version takes effect without a restart, a bad one leaves the last
good version in force and is reported in the log and by ``GET /api/v1/settings``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from gitward.kube.tracking import Tracking
from gitward.server.argocdcm.applying import SettingsApplier
from gitward.server.argocdcm.document import read_file
from gitward.server.argocdcm.parsing import ArgoCdSettings, parse_settings
from gitward.server.argocdcm.watching import Reloadable, Watcher
from gitward.server.auth import AuthConfig, OidcConfig
from gitward.server.rbac import Policy
from gitward.server.services import Services
from gitward.settings import ControllerSettings

__all__ = ["SettingsFiles", "load_settings", "show_policy", "watch_files"]


def load_settings(path: Path) -> ArgoCdSettings:
    """The settings in ``path``; ``ConfigError`` naming the file and the key."""
    return parse_settings(read_file(path))


@dataclass(frozen=True)
class SettingsFiles:
    """What the server was started with: the files and the settings they override."""

    settings_file: Path | None
    rbac_file: Path | None
    controller: ControllerSettings
    auth: AuthConfig
    oidc: OidcConfig | None
    tracking: Tracking
    interval_s: float = 2.0
    pinned: frozenset[str] = frozenset()
    """Controller settings given on the command line, which the file does not override."""


def show_policy(policy: Policy, services: Services) -> None:
    """Show the RBAC policy's default role in the public settings. Its warnings are logged by
    ``Policy.from_file`` when the file is read, and the settings route lists those of the policy
    in force (``rbacWarnings``)."""
    services.public_settings = {**services.public_settings, "defaultRole": policy.default_role}


async def watch_files(
    services: Services,
    http: httpx.AsyncClient,
    files: SettingsFiles,
    initial: ArgoCdSettings | None,
) -> Watcher:
    """Apply ``initial`` (read from ``files.settings_file``) and make the watcher of both files
    (the caller runs :meth:`Watcher.run`)."""
    watched: list[Reloadable] = []
    if files.settings_file is not None and initial is not None:
        applier = SettingsApplier(
            services,
            http,
            controller=files.controller,
            auth=files.auth,
            oidc=files.oidc,
            tracking=files.tracking,
            source=str(files.settings_file),
            pinned=files.pinned,
        )
        await applier.apply(initial)

        async def reload_settings(path: Path) -> None:
            await applier.apply(load_settings(path))

        watched.append(
            Reloadable(files.settings_file, reload_settings, _reporter(services, "settingsError"))
        )
    if files.rbac_file is not None:
        rbac_file = files.rbac_file

        async def reload_rbac(path: Path) -> None:
            policy = Policy.from_file(path)
            services.policies.replace_base(policy)
            show_policy(policy, services)

        watched.append(Reloadable(rbac_file, reload_rbac, _reporter(services, "rbacError")))
    watcher = Watcher(watched, interval_s=files.interval_s)
    watcher.mark_loaded()
    return watcher


def _reporter(services: Services, key: str) -> ReportFn:
    def report(error: str | None) -> None:
        services.public_settings = {**services.public_settings, key: error}

    return report


ReportFn = Callable[[str | None], None]
