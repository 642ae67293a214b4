"""Put parsed ``argocd-cm`` settings to work in a running server, at start and on each reload.

What each part reaches: the controller's periods and resource overrides (next refresh; every app
is refreshed at once), the live caches' exclusions (excluded kinds stop being watched), anonymous
access, single sign-on, the local accounts the file declares (made when missing, with a random
password an admin replaces with ``gitward account update-password --account NAME``; enabled or
disabled and given their capabilities as declared), and what ``GET /api/v1/settings`` shows.
Resource tracking is read once, at start: objects are indexed by it, so a change waits for a
restart and says so. Accounts the file no longer declares are left as they are.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import httpx

from gitward.errors import GitwardError
from gitward.kube.tracking import Tracking
from gitward.redaction import redact
from gitward.server.argocdcm.parsing import PERIODS, AccountSetting, ArgoCdSettings
from gitward.server.auth import AuthConfig, OidcConfig, OidcLogin, generate_password
from gitward.server.auth.accounts import utc_now
from gitward.server.services import Services
from gitward.settings import ControllerSettings

__all__ = ["SettingsApplier"]

log = logging.getLogger(__name__)

PERIOD_KEYS = {name: key for key, name in PERIODS.items()}


class SettingsApplier:
    """Applies settings over the server's own (flags and environment) as a base."""

    def __init__(
        self,
        services: Services,
        http: httpx.AsyncClient,
        *,
        controller: ControllerSettings,
        auth: AuthConfig,
        oidc: OidcConfig | None,
        tracking: Tracking,
        source: str,
        pinned: frozenset[str] = frozenset(),
    ) -> None:
        self._services = services
        self._http = http
        self._controller = controller
        self._auth = auth
        self._oidc = oidc
        self._tracking = tracking
        self._source = source
        self._pinned = pinned
        self.applied: ArgoCdSettings | None = None

    async def apply(self, settings: ArgoCdSettings) -> list[str]:
        """Use ``settings`` from now on; returns the warnings (also logged)."""
        warnings = list(settings.warnings)
        if settings.tracking != self._tracking:
            warnings.append(
                "argocd-cm keys application.resourceTrackingMethod/instanceLabelKey changed; "
                "the new tracking takes effect after a restart"
            )
        controller = self._services.controller
        periods = self._controller_settings(settings, warnings)
        controller.configure(settings=periods, overrides=settings.resources.overrides)
        await controller.set_resource_filter(settings.resources.overrides)
        warnings.extend(await self._accounts(settings))
        self._authentication(settings)
        self.applied = settings
        self._services.public_settings = {
            **self._services.public_settings,
            **self.public(settings, periods, warnings),
        }
        for warning in warnings:
            log.warning("%s: %s", self._source, redact(warning))
        return warnings

    def _controller_settings(
        self, settings: ArgoCdSettings, warnings: list[str]
    ) -> ControllerSettings:
        """The server's controller settings with the file's periods and server-side diff,
        except what the command line pinned (warned)."""
        changes: dict[str, Any] = {}
        wanted: dict[str, Any] = dict(settings.periods)
        if settings.server_side_diff is not None:
            wanted["server_side_diff"] = settings.server_side_diff
        for name, value in wanted.items():
            if name not in self._pinned:
                changes[name] = value
                continue
            key = PERIOD_KEYS.get(name, "controller.diff.server.side")
            given = getattr(self._controller, name)
            warnings.append(
                f"argocd-cm {key} ({value}) is overridden by the command line ({given})"
            )
        return dataclasses.replace(self._controller, **changes)

    def _authentication(self, settings: ArgoCdSettings) -> None:
        authenticator = self._services.authenticator
        anonymous = self._auth.anonymous if settings.anonymous is None else settings.anonymous
        ttl = self._auth.session_ttl
        if settings.session_s is not None and settings.session_s > 0:
            ttl = timedelta(seconds=settings.session_s)
        authenticator.config = dataclasses.replace(
            authenticator.config, anonymous=anonymous, session_ttl=ttl
        )
        oidc = settings.oidc or self._oidc
        current = self._services.oidc
        if oidc is None:
            self._services.oidc = None
        elif current is None or current.config != oidc:
            self._services.oidc = OidcLogin(oidc, self._http, authenticator.signer, clock=utc_now)

    async def _accounts(self, settings: ArgoCdSettings) -> list[str]:
        wanted = dict(settings.accounts)
        admin_enabled = settings.admin_enabled
        if (
            admin_enabled is None
            and self.applied is not None
            and self.applied.admin_enabled is False
        ):
            admin_enabled = True  # disabled by the file before, no longer: Argo CD's default
        if admin_enabled is not None:
            admin = self._services.authenticator.config.admin_name
            declared = wanted.get(admin)
            wanted[admin] = AccountSetting(declared.capabilities if declared else (), admin_enabled)
        problems = []
        for name, account in sorted(wanted.items()):
            try:
                await self._account(name, account, declared=name in settings.accounts)
            except GitwardError as err:
                problems.append(f"argocd-cm key accounts.{name}: {err.message}")
        return problems

    async def _account(self, name: str, account: AccountSetting, *, declared: bool) -> None:
        store = self._services.store
        existing = await store.accounts.get(name)
        if existing is None:
            await self._services.authenticator.create_account(
                name, generate_password(), account.capabilities
            )
        capabilities = account.capabilities if declared else None
        await store.accounts.update(name, enabled=account.enabled, capabilities=capabilities)

    def public(
        self, settings: ArgoCdSettings, periods: ControllerSettings, warnings: list[str]
    ) -> dict[str, Any]:
        """What ``GET /api/v1/settings`` shows of the file: nothing secret."""
        oidc = self._services.oidc
        return {
            "url": settings.url,
            "appLabelKey": self._tracking.label_key,
            "resourceTrackingMethod": self._tracking.method,
            "anonymousEnabled": self._services.authenticator.config.anonymous,
            "sessionTTLSeconds": int(
                self._services.authenticator.config.session_ttl.total_seconds()
            ),
            "oidcConfig": None
            if oidc is None
            else {
                "issuer": oidc.config.issuer,
                "clientID": oidc.config.client_id,
                "scopes": list(oidc.config.scopes),
            },
            "reconciliationSeconds": periods.reconciliation_s,
            "hardReconciliationSeconds": periods.hard_reconciliation_s,
            "serverSideDiff": periods.server_side_diff,
            "resourceExclusions": _filters(settings.resources.overrides.resource_filter.exclusions),
            "resourceInclusions": _filters(settings.resources.overrides.resource_filter.inclusions),
            "settingsFile": self._source,
            "settingsWarnings": warnings,
        }


def _filters(entries: Any) -> list[dict[str, list[str]]]:
    return [
        {"apiGroups": list(e.api_groups), "kinds": list(e.kinds), "clusters": list(e.clusters)}
        for e in entries
    ]
