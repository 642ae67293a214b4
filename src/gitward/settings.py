"""gitward's settings: grouped, frozen, documented, read from the environment in one place.

Every knob an operator can turn lives here with its default and the environment variable that
sets it, so no other module reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gitward.errors import ConfigError, Location
from gitward.redaction import redact_url

__all__ = [
    "DEFAULT_GIT_TIMEOUT_S",
    "DEFAULT_RENDER_MAX_FILES",
    "ControllerSettings",
    "GitSettings",
    "RenderSettings",
    "ReplicaSettings",
    "ServerSettings",
    "Settings",
    "default_cache_dir",
    "default_data_dir",
    "parse_git_hosts",
    "parse_repo_dir",
    "trusted_proxies",
]

DEFAULT_GIT_TIMEOUT_S = 90.0
DEFAULT_RENDER_MAX_FILES = 10_000
GIT_HOST_KINDS = ("github", "gitlab")


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$GITWARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/gitward``, else ``~/.cache/gitward``."""
    env = os.environ if env is None else env
    if env.get("GITWARD_CACHE_DIR"):
        return Path(env["GITWARD_CACHE_DIR"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "gitward"


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$GITWARD_DATA_DIR``, else ``$XDG_DATA_HOME/gitward``, else ``~/.local/share/gitward``."""
    env = os.environ if env is None else env
    if env.get("GITWARD_DATA_DIR"):
        return Path(env["GITWARD_DATA_DIR"]).expanduser()
    base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else Path.home() / ".local/share"
    return base / "gitward"


@dataclass(frozen=True, slots=True)
class GitSettings:
    """How gitward talks to git."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    """Bare mirrors (``mirrors/``) and one materialised tree per commit (``trees/``)."""
    timeout_s: float = DEFAULT_GIT_TIMEOUT_S
    """A git command running longer than this is killed, with everything it started."""
    hosts: tuple[tuple[str, str], ...] = ()
    """Self-hosted GitHub Enterprise and GitLab installs whose API opens promotion pull
    requests, as (kind, web URL) pairs (``$GITWARD_GIT_HOSTS``:
    ``github=https://github.acme.com,gitlab=https://acme.io/gitlab``)."""


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """Bounds on rendering that an operator may change (the others are fixed)."""

    max_files: int = DEFAULT_RENDER_MAX_FILES
    """Manifest files one directory source may read (``$GITWARD_RENDER_MAX_FILES``)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RenderSettings:
        return cls(
            max_files=int(
                _number(env, "GITWARD_RENDER_MAX_FILES", DEFAULT_RENDER_MAX_FILES, minimum=1)
            )
        )


@dataclass(frozen=True, slots=True)
class ControllerSettings:
    """How the reconcile loop runs (Argo CD 3's defaults where it has one)."""

    workers: int = 16
    """Apps reconciled at once (``$GITWARD_CONTROLLER_WORKERS``); one app is never reconciled
    by two workers at a time. A worker spends most of a reconcile waiting (on the API server,
    on its status's commit), so 16 rather than 8: statuses that finish together share one
    commit, and twice the workers halved the sync of 1,000 apps (34 s -> 14-17 s) and cut a
    no-op cycle by a third (``bench/reconcile.py --workers``). Argo CD runs 20 status and 10
    operation processors."""
    reconciliation_s: float = 120.0
    """Every app is refreshed this often (``$GITWARD_RECONCILIATION_PERIOD``, Argo CD's
    ``timeout.reconciliation``); 0 turns periodic refreshes off (webhooks and events only)."""
    hard_reconciliation_s: float = 0.0
    """Every app is hard-refreshed (its revisions resolved again) this often (Argo CD's
    ``timeout.hard.reconciliation``); 0, the default, never."""
    jitter_s: float = 60.0
    """Up to this much is added to each app's periodic refresh, so that apps do not all refresh
    at once (``$GITWARD_RECONCILIATION_JITTER``)."""
    self_heal_base_s: float = 2.0
    """selfHeal backoff: the second correction of the same revision waits this long, each
    further one ``self_heal_factor`` times longer, at most ``self_heal_cap_s``."""
    self_heal_factor: float = 3.0
    self_heal_cap_s: float = 300.0
    error_backoff_base_s: float = 1.0
    """An app whose reconcile failed (git or cluster unreachable) is retried after this, then
    twice as long each time, at most ``error_backoff_cap_s``."""
    error_backoff_cap_s: float = 300.0
    cache_warm_s: float = 10.0
    """How long a refresh waits for the live cache to list a kind before it reports the cluster
    as unreachable and keeps the app's last known state."""
    poll_interval_s: float = 2.0
    """How often a running sync looks again at resources it waits on (events come sooner)."""
    wave_timeout_s: float = 900.0
    """How long one sync wave (or hook) may take to become healthy before the sync fails."""
    server_side_diff: bool = False
    """Compare every app with server-side dry-run applies (Argo CD's
    ``controller.diff.server.side``; ``$GITWARD_SERVER_SIDE_DIFF=true``, ``gitward server
    --server-side-diff``). An app's ``argocd.argoproj.io/compare-options:
    ServerSideDiff=true|false`` annotation overrides it."""
    policies_dir: Path | None = None
    """ValidatingAdmissionPolicy and binding files checked before every sync (``gitward server
    --policies DIR``, ``$GITWARD_POLICIES``); see :mod:`gitward.guardrails`."""


@dataclass(frozen=True, slots=True)
class ReplicaSettings:
    """A replica's lease on PostgreSQL: how long it lasts, how often it is renewed."""

    lease_s: float = 15.0
    heartbeat_s: float = 5.0


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How ``gitward server`` serves its API (flags override each of these)."""

    data_dir: Path = field(default_factory=default_data_dir)
    """The SQLite database, the secret key file and git's cache (``$GITWARD_DATA_DIR``)."""
    database_url: str = ""
    """``sqlite:///path`` or ``postgresql://user@host/db`` (``$GITWARD_DATABASE_URL``); empty:
    ``gitward.db`` in the data directory."""
    host: str = "127.0.0.1"
    """The address to listen on (``$GITWARD_HOST``)."""
    port: int = 8080
    """The port to listen on (``$GITWARD_PORT``); 0 picks a free one."""
    tls_cert: Path | None = None
    """A PEM certificate (with ``tls_key``) serves HTTPS (``$GITWARD_TLS_CERT``)."""
    tls_key: Path | None = None
    """The certificate's private key (``$GITWARD_TLS_KEY``)."""
    rbac_file: Path | None = None
    """A policy.csv or an argocd-rbac-cm ConfigMap (``$GITWARD_RBAC``); none: only the
    built-in roles (the admin account is role:admin)."""
    settings_file: Path | None = None
    """Argo CD's argocd-cm ConfigMap YAML (``$GITWARD_SETTINGS``), reloaded on change."""
    anonymous: bool = False
    """Requests without credentials act as ``anonymous`` (``$GITWARD_ANONYMOUS=true``)."""
    metrics_host: str = ""
    """The address the Prometheus metrics listener binds (``$GITWARD_METRICS_HOST``); empty:
    the API's ``host``."""
    metrics_port: int = 8083
    """The port of the metrics listener (``$GITWARD_METRICS_PORT``; Argo CD's server uses
    8083); ``/metrics`` is served there only, never on the API's port."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks (CIDR) whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are
    believed (``$GITWARD_TRUSTED_PROXIES``, comma-separated); none by default, so a client's
    address is always the connection's."""
    webhook_max_bytes: int = 50 * 1024 * 1024
    """The largest webhook body read when the provider's secret is set
    (``$GITWARD_WEBHOOK_MAX_BYTES``; Argo CD's 50 MB)."""
    webhook_unsigned_max_bytes: int = 1024 * 1024
    """The largest webhook body read from a provider with no secret configured
    (``$GITWARD_WEBHOOK_UNSIGNED_MAX_BYTES``): anyone can send those."""
    webhook_queue: int = 100
    """Webhook deliveries waiting to be handled at most; more are refused with 503
    (``$GITWARD_WEBHOOK_QUEUE``)."""
    webhook_github_secret: str = field(default="", repr=False)
    """``$GITWARD_WEBHOOK_GITHUB_SECRET``; likewise ``_GITLAB_``, ``_BITBUCKET_UUID`` and
    ``_BITBUCKET_SERVER_`` secrets. Empty: deliveries from that provider are not verified."""
    webhook_gitlab_secret: str = field(default="", repr=False)
    webhook_bitbucket_uuid: str = field(default="", repr=False)
    webhook_bitbucket_server_secret: str = field(default="", repr=False)
    repo_dirs: tuple[tuple[str, Path], ...] = ()
    """repoURLs served from directories on this machine, however an Application spells the URL
    (``$GITWARD_REPO_DIRS``: ``URL=DIR`` pairs separated by commas)."""
    allow_local_repos: tuple[Path, ...] = ()
    """Directories whose git repositories Applications may name by path or ``file://`` URL
    (``$GITWARD_ALLOW_LOCAL_REPOS``, separated like PATH); none: such repoURLs are refused."""

    @property
    def database(self) -> str:
        """The database URL to open."""
        return self.database_url or f"sqlite:///{self.data_dir / 'gitward.db'}"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerSettings:
        defaults = cls(data_dir=default_data_dir(env))
        return cls(
            data_dir=defaults.data_dir,
            database_url=env.get("GITWARD_DATABASE_URL", ""),
            host=env.get("GITWARD_HOST", defaults.host),
            port=int(_number(env, "GITWARD_PORT", defaults.port)),
            tls_cert=_path(env, "GITWARD_TLS_CERT"),
            tls_key=_path(env, "GITWARD_TLS_KEY"),
            rbac_file=_path(env, "GITWARD_RBAC"),
            settings_file=_path(env, "GITWARD_SETTINGS"),
            anonymous=env.get("GITWARD_ANONYMOUS", "").strip().lower() in ("1", "true", "yes"),
            metrics_host=env.get("GITWARD_METRICS_HOST", defaults.metrics_host),
            metrics_port=int(_number(env, "GITWARD_METRICS_PORT", defaults.metrics_port)),
            trusted_proxies=trusted_proxies(
                env.get("GITWARD_TRUSTED_PROXIES", ""), "GITWARD_TRUSTED_PROXIES"
            ),
            webhook_max_bytes=int(
                _number(env, "GITWARD_WEBHOOK_MAX_BYTES", defaults.webhook_max_bytes, minimum=1)
            ),
            webhook_unsigned_max_bytes=int(
                _number(
                    env,
                    "GITWARD_WEBHOOK_UNSIGNED_MAX_BYTES",
                    defaults.webhook_unsigned_max_bytes,
                    minimum=1,
                )
            ),
            webhook_queue=int(
                _number(env, "GITWARD_WEBHOOK_QUEUE", defaults.webhook_queue, minimum=1)
            ),
            webhook_github_secret=env.get("GITWARD_WEBHOOK_GITHUB_SECRET", ""),
            webhook_gitlab_secret=env.get("GITWARD_WEBHOOK_GITLAB_SECRET", ""),
            webhook_bitbucket_uuid=env.get("GITWARD_WEBHOOK_BITBUCKET_UUID", ""),
            webhook_bitbucket_server_secret=env.get("GITWARD_WEBHOOK_BITBUCKET_SERVER_SECRET", ""),
            repo_dirs=tuple(
                parse_repo_dir(text, "GITWARD_REPO_DIRS")
                for text in env.get("GITWARD_REPO_DIRS", "").split(",")
                if text.strip()
            ),
            allow_local_repos=tuple(
                Path(text.strip()).expanduser()
                for text in env.get("GITWARD_ALLOW_LOCAL_REPOS", "").split(os.pathsep)
                if text.strip()
            ),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    """All of gitward's settings."""

    git: GitSettings = field(default_factory=GitSettings)
    controller: ControllerSettings = field(default_factory=ControllerSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    render: RenderSettings = field(default_factory=RenderSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        timeout = _number(env, "GITWARD_GIT_TIMEOUT", DEFAULT_GIT_TIMEOUT_S, minimum=1)
        defaults = ControllerSettings()
        controller = ControllerSettings(
            workers=int(_number(env, "GITWARD_CONTROLLER_WORKERS", defaults.workers, minimum=1)),
            reconciliation_s=_number(
                env, "GITWARD_RECONCILIATION_PERIOD", defaults.reconciliation_s
            ),
            jitter_s=_number(env, "GITWARD_RECONCILIATION_JITTER", defaults.jitter_s),
            server_side_diff=_flag(env, "GITWARD_SERVER_SIDE_DIFF", defaults.server_side_diff),
            policies_dir=_path(env, "GITWARD_POLICIES"),
        )
        return cls(
            git=GitSettings(
                cache_dir=default_cache_dir(env),
                timeout_s=timeout,
                hosts=parse_git_hosts(
                    env.get("GITWARD_GIT_HOSTS", "").split(","), "GITWARD_GIT_HOSTS"
                ),
            ),
            controller=controller,
            server=ServerSettings.from_env(env),
            render=RenderSettings.from_env(env),
        )


def trusted_proxies(text: str, where: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR networks; ``where`` names the flag or variable."""
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(
                f"{item!r} is not an IP address or network",
                where=Location(obj="settings", field=where),
                hint="List proxies as addresses or CIDR networks, e.g. 10.0.0.5,192.168.0.0/24",
            ) from None
    return items


def parse_git_hosts(entries: Iterable[str], given_as: str) -> tuple[tuple[str, str], ...]:
    """``KIND=URL`` entries (``github=https://github.acme.com``) as (kind, URL) pairs, the URL
    without a trailing slash; blank entries are skipped, ``given_as`` names the flag or variable."""
    return tuple(_git_host(entry.strip(), given_as) for entry in entries if entry.strip())


def _git_host(entry: str, given_as: str) -> tuple[str, str]:
    kind, separator, url = (part.strip() for part in entry.partition("="))
    split = urllib.parse.urlsplit(url)
    if (
        not separator
        or kind.lower() not in GIT_HOST_KINDS
        or split.scheme not in ("http", "https")
        or not split.hostname
        or split.username is not None
        or not _valid_port(split)
        or split.query
        or split.fragment
    ):
        raise ConfigError(
            f"{redact_url(entry)!r} is not KIND=URL",
            where=Location(obj="settings", field=given_as),
            hint="Write github=https://github.acme.com or gitlab=https://git.acme.io "
            "(the address people open in a browser, without credentials)",
        )
    return kind.lower(), url.rstrip("/")


def _valid_port(split: urllib.parse.SplitResult) -> bool:
    """Whether the URL's port, if any, is a number (httpx would fail later, and not as a
    ConfigError, on ``https://host:abc``)."""
    try:
        split.port  # noqa: B018 - reading it validates it
    except ValueError:
        return False
    return True


def parse_repo_dir(text: str, given_as: str) -> tuple[str, Path]:
    """``URL=DIR`` as (URL, DIR), split at the first ``=`` as ``gitward render --repo`` does."""
    url, separator, directory = text.strip().partition("=")
    if not separator or not url.strip() or not directory.strip():
        raise ConfigError(
            f"{text.strip()!r} is not URL=DIR",
            where=Location(obj=given_as),
            hint="Write https://github.com/org/repo.git=/path/to/checkout",
        )
    return url.strip(), Path(directory.strip()).expanduser()


def _path(env: Mapping[str, str], name: str) -> Path | None:
    text = env.get(name, "").strip()
    return Path(text).expanduser() if text else None


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no from the environment (``true``/``false``, ``1``/``0``, ``yes``/``no``)."""
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(
        f"{text!r} is not true or false",
        where=Location(obj="environment", field=name),
        hint=f"Set {name} to true or false, or unset it for the default",
    )


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0) -> float:
    """A non-negative number (at least ``minimum``) from the environment, else ``default``."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= minimum:
        raise ConfigError(
            f"{text!r} is not a number of at least {minimum:g}",
            where=Location(obj="environment", field=name),
            hint=f"Set {name} to a number such as {default:g}, or unset it for the default",
        )
    return value
