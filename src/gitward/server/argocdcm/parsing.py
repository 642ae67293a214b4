"""Argo CD's ``argocd-cm`` as one value: what gitward does with each key, and what it warns of.

:func:`parse_settings` reads every key of the ConfigMap's ``data``: the ``resource.*`` keys
(:mod:`.resources`), the reconcile periods, resource tracking, local accounts, anonymous
access, single sign-on (``oidc.config``) and the external URL. A key gitward knows from Argo CD
but does not act on, and a key it does not know at all, each become a warning naming the key;
nothing is refused for being unknown, since the same file also serves Argo CD. A value gitward
cannot read is an error naming the file, the ConfigMap and the key, and the caller keeps the
settings it had. Secrets (an OIDC client secret) are kept out of reprs and warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

from gitward.errors import ConfigError, GitwardError, Location
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking, TrackingMethod
from gitward.model.fields import parse_duration
from gitward.server.argocdcm.document import SettingsDocument
from gitward.server.argocdcm.resources import ResourceSettings, read_resources, takes_key
from gitward.server.auth import OidcConfig
from gitward.store.records import AccountCapability

__all__ = ["AccountSetting", "ArgoCdSettings", "parse_settings"]

URL = "url"
TRACKING_METHOD = "application.resourceTrackingMethod"
INSTANCE_LABEL = "application.instanceLabelKey"
SESSION = "users.session.duration"
SERVER_SIDE_DIFF = "controller.diff.server.side"
_TRACKING_METHODS = ("annotation", "label", "annotation+label")
PERIODS = {
    "timeout.reconciliation": "reconciliation_s",
    "timeout.hard.reconciliation": "hard_reconciliation_s",
    "timeout.reconciliation.jitter": "jitter_s",
}
_NOT_SUPPORTED = {
    "dex.config": "gitward has no Dex; configure oidc.config with your provider",
    "statusbadge.enabled": "there is no status badge",
    "statusbadge.url": "there is no status badge",
    "exec.enabled": "there is no web terminal",
    "exec.shells": "there is no web terminal",
    "helm.valuesFileSchemes": "value files are read from the repository only",
    "repositories": "repositories are added with `gitward repo add`",
    "repository.credentials": "credentials are added with `gitward repo add`",
    "resource.respectRBAC": "gitward watches only the kinds apps declare",
    "resource.ignoreResourceUpdatesEnabled": "every watch event triggers a refresh",
    "resource.includeEventLabelKeys": "gitward does not write Kubernetes events",
    "resource.excludeEventLabelKeys": "gitward does not write Kubernetes events",
    "server.rbac.log.enforce.enable": "RBAC decisions are not logged",
    "application.sync.impersonation.enabled": "syncs run as gitward's own identity",
    "installationID": "there is one gitward per store",
    "oidc.tls.insecure.skip.verify": "the provider's certificate is always verified",
    "webhook.maxPayloadSizeMB": "use GITWARD_WEBHOOK_MAX_BYTES",
    "admin.passwordMtime": "passwords live in gitward's store",
}
_NOT_SUPPORTED_PREFIXES = {
    "ga.": "there is no analytics",
    "help.": "the web UI's help links are not configurable",
    "ui.": "the web UI is not configurable",
    "kustomize.": "gitward runs its one kustomize with its default options",
    "extension.": "there are no UI extensions",
    "oidc.config.": "oidc.config is the one OIDC key",
}


@dataclass(frozen=True)
class AccountSetting:
    """``accounts.<name>`` and ``accounts.<name>.enabled``."""

    capabilities: tuple[AccountCapability, ...]
    enabled: bool = True


@dataclass
class ArgoCdSettings:
    """Everything the file says that gitward uses (None: the file does not say)."""

    resources: ResourceSettings = field(default_factory=ResourceSettings)
    periods: dict[str, float] = field(default_factory=dict)
    """ControllerSettings field name -> seconds."""
    tracking: Tracking = DEFAULT_TRACKING
    accounts: dict[str, AccountSetting] = field(default_factory=dict)
    admin_enabled: bool | None = None
    anonymous: bool | None = None
    server_side_diff: bool | None = None
    """``controller.diff.server.side``: compare every app with server-side dry runs."""
    session_s: float | None = None
    """``users.session.duration``: how long a login lasts."""
    oidc: OidcConfig | None = None
    url: str = ""
    warnings: list[str] = field(default_factory=list)


def parse_settings(document: SettingsDocument) -> ArgoCdSettings:
    """Read ``document`` (see the module docstring); ``ConfigError`` names a bad key."""
    data = document.data
    found = ArgoCdSettings(resources=read_resources(document))
    found.warnings.extend(found.resources.warnings)
    found.url = data.get(URL, "").strip().rstrip("/")
    found.periods = {
        name: _seconds(data[key], document.at(key)) for key, name in PERIODS.items() if key in data
    }
    found.tracking = _tracking(document)
    found.accounts = _accounts(document)
    found.admin_enabled = _flag(document, "admin.enabled")
    found.anonymous = _flag(document, "users.anonymous.enabled")
    found.server_side_diff = _flag(document, SERVER_SIDE_DIFF)
    if SESSION in data:
        found.session_s = _seconds(data[SESSION], document.at(SESSION))
    found.oidc = _oidc(document, found.url)
    found.warnings.extend(_unused(data))
    return found


def _seconds(text: str, where: Location) -> float:
    try:
        seconds = parse_duration(text, where)
    except GitwardError as err:
        raise ConfigError(err.problem, where=where, hint='Write a duration such as "180s"') from err
    return seconds


def _flag(document: SettingsDocument, key: str) -> bool | None:
    text = document.data.get(key)
    if text is None:
        return None
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(
            f"{text!r} is not true or false", where=document.at(key), hint='Write "true" or "false"'
        )
    return value == "true"


def _tracking(document: SettingsDocument) -> Tracking:
    method = document.data.get(TRACKING_METHOD, DEFAULT_TRACKING.method).strip()
    if method not in _TRACKING_METHODS:
        raise ConfigError(
            f"{method!r} is not a tracking method",
            where=document.at(TRACKING_METHOD),
            hint=f"Use one of {', '.join(_TRACKING_METHODS)}",
        )
    label = document.data.get(INSTANCE_LABEL, "").strip() or DEFAULT_TRACKING.label_key
    return Tracking(method=cast(TrackingMethod, method), label_key=label)


def _accounts(document: SettingsDocument) -> dict[str, AccountSetting]:
    found: dict[str, AccountSetting] = {}
    for key in sorted(document.data):
        name = key.removeprefix("accounts.")
        if not key.startswith("accounts.") or name.endswith(".enabled") or not name:
            continue
        capabilities = []
        for word in (w.strip() for w in document.data[key].split(",")):
            if not word:
                continue
            try:
                capabilities.append(AccountCapability(word))
            except ValueError:
                raise ConfigError(
                    f"{word!r} is not an account capability",
                    where=document.at(key),
                    hint="List apiKey and/or login, comma-separated",
                ) from None
        enabled = _flag(document, f"{key}.enabled")
        found[name] = AccountSetting(tuple(capabilities), enabled is not False)
    for key in document.data:
        name = key.removeprefix("accounts.").removesuffix(".enabled")
        if key.startswith("accounts.") and key.endswith(".enabled") and name not in found:
            if name == "admin":
                continue
            raise ConfigError(
                f"account {name} is enabled or disabled but not declared",
                where=document.at(key),
                hint=f"Declare it with accounts.{name}: login (or apiKey)",
            )
    return found


def _oidc(document: SettingsDocument, url: str) -> OidcConfig | None:
    text = document.data.get("oidc.config")
    if not text or not text.strip():
        return None
    where = document.at("oidc.config")
    hint = "Write issuer, clientID, clientSecret and requestedScopes as in Argo CD"
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"not valid YAML: {err}", where=where, hint=hint) from None
    if not isinstance(value, dict):
        raise ConfigError("oidc.config is not a map", where=where, hint=hint)
    if not url:
        raise ConfigError(
            "oidc.config needs the external URL", where=document.at(URL), hint="Set url: https://…"
        )
    return _oidc_config(value, url, where)


def _oidc_config(value: Mapping[str, Any], url: str, where: Location) -> OidcConfig:
    secret = str(value.get("clientSecret") or "")
    if secret.startswith("$"):
        raise ConfigError(
            "clientSecret refers to argocd-secret, which gitward does not read",
            where=where.at(f"{where.field}.clientSecret"),
            hint="Put the client secret itself in the file (and keep the file private), "
            "or leave it out for a public client",
        )
    scopes = value.get("requestedScopes") or ["openid", "profile", "email", "groups"]
    try:
        return OidcConfig(
            issuer=str(value.get("issuer") or ""),
            client_id=str(value.get("clientID") or ""),
            redirect_uri=f"{url}/auth/callback",
            client_secret=secret,
            scopes=tuple(str(scope) for scope in scopes),
        )
    except ConfigError as err:
        field = f"{where.field}.{err.where.field}" if err.where.field else where.field
        raise ConfigError(err.problem, where=where.at(field or ""), hint=err.hint) from None


def _known(key: str) -> bool:
    simple = {
        URL,
        TRACKING_METHOD,
        INSTANCE_LABEL,
        SESSION,
        SERVER_SIDE_DIFF,
        "admin.enabled",
        "users.anonymous.enabled",
    }
    return (
        key in simple
        or key in PERIODS
        or key == "oidc.config"
        or key.startswith("accounts.")
        or takes_key(key)
    )


def _unused(data: Mapping[str, str]) -> list[str]:
    warnings = []
    for key in sorted(data):
        if _known(key):
            continue
        why = _NOT_SUPPORTED.get(key) or next(
            (text for prefix, text in _NOT_SUPPORTED_PREFIXES.items() if key.startswith(prefix)),
            None,
        )
        if why is not None:
            warnings.append(f"argocd-cm key {key} is not supported by gitward ({why}); ignored")
        else:
            warnings.append(f"argocd-cm key {key} is not a setting gitward knows; ignored")
    return warnings
