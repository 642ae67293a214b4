"""Run gitward's server in this process: store, authentication, controller and API over HTTP.

::

    async with run_server(ServerConfig(data_dir=tmp_path)) as server:
        server.url              # http://127.0.0.1:<free port>
        server.admin_password   # the first start's admin password, else None
        server.metrics_url      # http://127.0.0.1:<another port>/metrics

On entry the store is opened (and migrated), the first ``admin`` account is made with a random
password, the controller is made over the configured clusters and repositories, the clusters
added through the API (stored) are registered next to the configured ones, the root app is
bootstrapped when one is given, the controller starts reconciling, and the API listens (on a
free port when ``port`` is 0), and the metrics listener on its own port (``/metrics`` is never
served on the API's port). Forwarded headers are believed only from ``trusted_proxies``. On
exit the API stops taking requests (streams end), the
controller stops after the step each worker is in (persisted; the next start resumes it), the
clusters' clients close, and the store closes. The caller owns signals: nothing here installs
a handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

import gitward
from gitward.charts import AddressPolicy, ChartRepositories
from gitward.controller.loop import Controller
from gitward.delivery.pullrequests import GitHosts
from gitward.errors import ConfigError, Location
from gitward.git import LocalRepoPolicy
from gitward.git.repo import Repositories
from gitward.kube import ClusterAccess, Clusters
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking
from gitward.render import Limits
from gitward.server import replicating
from gitward.server.app import build_app
from gitward.server.argocdcm import SettingsFiles, load_settings, show_policy, watch_files
from gitward.server.auth import AuthConfig, Authenticator, CookiePolicy, OidcConfig, OidcLogin
from gitward.server.auth.accounts import utc_now
from gitward.server.hooks import WebhookQueue
from gitward.server.intake import WebhookIntake
from gitward.server.metrics import Metrics, TimedRenderer, timed_git, timed_refresher
from gitward.server.notifying import start_notifications
from gitward.server.policies import PolicyHolder
from gitward.server.promoting import follow_promotions
from gitward.server.rbac import Policy
from gitward.server.registrations import ClusterRegistrations
from gitward.server.repocreds import RepoCredentials
from gitward.server.scraping import METRICS_PATH, build_metrics_app
from gitward.server.services import Services
from gitward.server.webhooks import DEFAULT_MAX_BYTES, DEFAULT_UNSIGNED_MAX_BYTES, WebhookSecrets
from gitward.settings import (
    DEFAULT_GIT_TIMEOUT_S,
    DEFAULT_RENDER_MAX_FILES,
    ControllerSettings,
    ReplicaSettings,
    Settings,
)
from gitward.store import Store
from gitward.store.files import private_directory

__all__ = ["RunningServer", "ServerConfig", "listening_socket", "run_server"]

_START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ServerConfig:
    """Everything one server needs; the defaults suit a test (a free port on 127.0.0.1)."""

    data_dir: Path
    """The SQLite database, the secret key file and git's cache live here."""
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    metrics_host: str = ""
    """Where the metrics listener binds; empty: ``host``."""
    metrics_port: int | None = 0
    """The metrics listener's port (0: a free one; None: no metrics listener)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks whose X-Forwarded-* headers are believed; none by default."""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    rbac_file: Path | None = None
    """A policy.csv or argocd-rbac-cm ConfigMap; with ``rbac_policy`` None and no file, the
    built-in roles only."""
    rbac_policy: Policy | None = None
    settings_file: Path | None = None
    """Argo CD's argocd-cm ConfigMap (resource customizations, exclusions, periods,
    accounts, SSO...); reloaded, like ``rbac_file``, when it changes."""
    settings_check_s: float = 2.0
    pinned: frozenset[str] = frozenset()
    """``ControllerSettings`` fields given on the command line: the settings file's periods
    (``timeout.reconciliation``...) do not override them."""
    """How often the settings and RBAC files are looked at for a change."""
    controller: ControllerSettings = field(default_factory=ControllerSettings)
    reconcile: bool = True
    """Whether the controller runs (off: the API records operations; nothing applies them)."""
    clusters: tuple[ClusterAccess, ...] = ()
    local_repos: Mapping[str, Path] = field(default_factory=dict)
    """repoURLs served from directories on this machine (``--repo-dir``; the demo's
    repository), however an Application spells the URL."""
    allow_local_repos: tuple[Path, ...] = ()
    """Directories whose repositories Applications may name by path or ``file://`` URL
    (``--allow-local-repos``); none (the default): such repoURLs are refused."""
    helm_repos: Mapping[str, Path] = field(default_factory=dict)
    """Chart repository URLs served from directories of charts on this machine (the demo's
    Bitnami URL), however an Application or a Chart.yaml spells the URL."""
    allow_private_chart_repos: bool = False
    """Whether chart repositories and OCI registries on loopback, private or link-local
    addresses may be read (``--allow-private-chart-repos``); off: they are refused."""
    git_cache_dir: Path | None = None
    git_timeout_s: float = DEFAULT_GIT_TIMEOUT_S
    git_hosts: tuple[tuple[str, str], ...] = ()
    """Self-hosted GitHub Enterprise and GitLab installs, (kind, web URL) (``--git-host``)."""
    render_max_files: int = DEFAULT_RENDER_MAX_FILES
    """Manifest files one directory source may read (``--render-max-files``)."""
    bootstrap: Path | None = None
    """A file with the root Application (and AppProjects) to put into the store at start."""
    auth: AuthConfig = field(default_factory=AuthConfig)
    oidc: OidcConfig | None = None
    webhook_secrets: WebhookSecrets = field(default_factory=WebhookSecrets)
    webhook_max_bytes: int = DEFAULT_MAX_BYTES
    webhook_unsigned_max_bytes: int = DEFAULT_UNSIGNED_MAX_BYTES
    webhook_queue: int = 100
    secret_key: str | None = None
    allowed_origins: tuple[str, ...] = ()
    notifications: Path | None = None
    """An argocd-notifications-cm ConfigMap (``--notifications``); None: no notifications."""
    notifications_secret: Path | None = None
    """Its argocd-notifications-secret, for ``$key`` references (``--notifications-secret``)."""
    membership: ReplicaSettings = field(default_factory=ReplicaSettings)
    """The lease of a replica on PostgreSQL (``--replica-lease``, ``--replica-heartbeat``)."""

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'gitward.db'}"

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ServerConfig:
        """A config from gitward's settings (environment), with flags as ``overrides``."""
        server = settings.server
        secrets = WebhookSecrets(
            github=server.webhook_github_secret,
            gitlab=server.webhook_gitlab_secret,
            bitbucket_uuid=server.webhook_bitbucket_uuid,
            bitbucket_server=server.webhook_bitbucket_server_secret,
        )
        values: dict[str, Any] = {
            "data_dir": server.data_dir,
            "database_url": server.database_url,
            "host": server.host,
            "port": server.port,
            "metrics_host": server.metrics_host,
            "metrics_port": server.metrics_port,
            "trusted_proxies": server.trusted_proxies,
            "tls_cert": server.tls_cert,
            "tls_key": server.tls_key,
            "rbac_file": server.rbac_file,
            "settings_file": server.settings_file,
            "controller": settings.controller,
            "git_cache_dir": settings.git.cache_dir,
            "git_timeout_s": settings.git.timeout_s,
            "git_hosts": settings.git.hosts,
            "render_max_files": settings.render.max_files,
            "local_repos": dict(server.repo_dirs),
            "allow_local_repos": server.allow_local_repos,
            "auth": AuthConfig(anonymous=server.anonymous),
            "webhook_secrets": secrets,
            "webhook_max_bytes": server.webhook_max_bytes,
            "webhook_unsigned_max_bytes": server.webhook_unsigned_max_bytes,
            "webhook_queue": server.webhook_queue,
        }
        return cls(**{**values, **overrides})


@dataclass
class RunningServer:
    """A server that is up: where it listens and what it made on first start."""

    url: str
    admin_password: str | None
    services: Services
    controller: Controller
    metrics_url: str | None = None
    """``http://host:port/metrics`` of the metrics listener (None when it is off)."""


class _Server(uvicorn.Server):
    """uvicorn that leaves signals to the caller."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@contextlib.asynccontextmanager
async def run_server(config: ServerConfig) -> AsyncIterator[RunningServer]:
    """Run a server until the block ends (see the module docstring)."""
    # A broken settings file stops the start before anything is opened or made.
    initial = None if config.settings_file is None else load_settings(config.settings_file)
    sock = listening_socket(config.host, config.port)  # before anything is written
    metrics_socket: socket.socket | None = None
    try:
        metrics_socket = _metrics_socket(config)
        _check_tls(config)
        _make_data_dir(config.data_dir)
        store = await Store.open(
            config.database, data_dir=config.data_dir, secret_key=config.secret_key
        )
    except BaseException:
        sock.close()
        if metrics_socket is not None:
            metrics_socket.close()
        raise
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(sock.close)
        if metrics_socket is not None:
            stack.callback(metrics_socket.close)
        stack.push_async_callback(store.close)
        replicating.lock_sqlite(stack, store)
        authenticator = await Authenticator.start(store, config.auth)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
        tracking = DEFAULT_TRACKING if initial is None else initial.tracking
        services = await _services(config, store, authenticator, http, tracking)
        stack.push_async_callback(services.clusters.registry.close)
        controller = services.controller
        await replicating.join(stack, services, config.membership, sock, reconcile=config.reconcile)
        stack.push_async_callback(controller.stop)
        watcher = await watch_files(services, http, _files(config, tracking), initial)
        tasks = [*_background(services), asyncio.get_running_loop().create_task(watcher.run())]
        stack.push_async_callback(_cancel, tasks)
        if config.notifications is not None:  # a bad file raises here, and the tasks end
            tasks += start_notifications(
                services, config.notifications, config.notifications_secret
            )
        if config.bootstrap is not None:
            await controller.bootstrap(config.bootstrap)
        if config.reconcile:
            await controller.start()
            tasks.append(follow_promotions(services))
        url = await _serve(stack, config, services, sock)
        metrics_url = await _serve_metrics(stack, config, services, metrics_socket)
        # Last, once nothing else can fail: a start that failed made no admin whose password
        # nobody saw, so the next start makes it and prints the password.
        admin_password = await authenticator.ensure_admin()
        # What start-up built lives as long as the server: keep it out of every later
        # collection, which otherwise rescans it while large answers (app lists) are built.
        gc.collect()
        gc.freeze()
        yield RunningServer(url, admin_password, services, controller, metrics_url)


def _files(config: ServerConfig, tracking: Tracking) -> SettingsFiles:
    watched_rbac = config.rbac_file if config.rbac_policy is None else None
    return SettingsFiles(
        settings_file=config.settings_file,
        rbac_file=watched_rbac,
        controller=config.controller,
        auth=config.auth,
        oidc=config.oidc,
        tracking=tracking,
        interval_s=config.settings_check_s,
        pinned=config.pinned,
    )


async def _services(
    config: ServerConfig,
    store: Store,
    authenticator: Authenticator,
    http: httpx.AsyncClient,
    tracking: Tracking,
) -> Services:
    metrics = Metrics()
    await metrics.load(store)
    credentials = RepoCredentials()
    await credentials.reload(store)
    repos = Repositories(
        config.git_cache_dir or config.data_dir / "git-cache",
        credentials=credentials.lookup,
        local=config.local_repos,
        local_policy=LocalRepoPolicy(allowed=tuple(config.allow_local_repos)),
        timeout=config.git_timeout_s,
        runner=timed_git(metrics),
    )
    clusters = Clusters(config.clusters)
    renderer = TimedRenderer(metrics, limits=Limits(max_files=config.render_max_files))
    charts = ChartRepositories(
        config.git_cache_dir or config.data_dir / "git-cache",
        credentials=credentials.chart_lookup,
        local=config.helm_repos,
        addresses=AddressPolicy(allow_private=config.allow_private_chart_repos),
    )
    controller = Controller(
        store, repos, clusters, renderer, config.controller, tracking=tracking, charts=charts
    )
    timed_refresher(controller, metrics)
    metrics.watch_caches(controller.caches.uses)
    metrics.git_trees.set_function(repos.trees_on_disk)
    registrations = ClusterRegistrations(clusters, store, controller.refresh)
    await registrations.load()
    policy = config.rbac_policy or _policy(config.rbac_file)
    oidc = None
    if config.oidc is not None:
        oidc = OidcLogin(config.oidc, http, authenticator.signer, clock=utc_now)
    tls = config.tls_cert is not None
    services = Services(
        store=store,
        controller=controller,
        authenticator=authenticator,
        policies=PolicyHolder(policy, store),
        metrics=metrics,
        webhooks=WebhookQueue(config.webhook_queue),
        repo_credentials=credentials,
        clusters=registrations,
        version=gitward.__version__,
        cookies=CookiePolicy(),
        tls=tls,
        allowed_origins=config.allowed_origins,
        webhook_intake=WebhookIntake(
            config.webhook_secrets,
            max_bytes=config.webhook_max_bytes,
            unsigned_max_bytes=config.webhook_unsigned_max_bytes,
        ),
        oidc=oidc,
        public_settings=_public_settings(config, policy),
        git_hosts=GitHosts.of(config.git_hosts),
    )
    show_policy(policy, services)
    return services


def _policy(path: Path | None) -> Policy:
    return Policy.from_file(path) if path is not None else Policy.from_csv("")


def _public_settings(config: ServerConfig, policy: Policy) -> dict[str, Any]:
    oidc = config.oidc
    return {
        "version": gitward.__version__,
        "appLabelKey": "app.kubernetes.io/instance",
        "anonymousEnabled": config.auth.anonymous,
        "defaultRole": policy.default_role,
        "oidcConfig": None
        if oidc is None
        else {"issuer": oidc.issuer, "clientID": oidc.client_id, "scopes": list(oidc.scopes)},
        "sessionTTLSeconds": int(config.auth.session_ttl.total_seconds()),
        "reconciliationSeconds": config.controller.reconciliation_s,
    }


def _background(services: Services) -> list[asyncio.Task[None]]:
    loop = asyncio.get_running_loop()
    return [
        loop.create_task(services.metrics.follow(services.controller.events, services.store)),
        loop.create_task(services.webhooks.work(services.store, services.controller)),
    ]


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _serve(
    stack: contextlib.AsyncExitStack, config: ServerConfig, services: Services, sock: socket.socket
) -> str:
    """Serve on ``sock``, and arrange for the listener to stop first when the stack unwinds."""
    server = _Server(
        uvicorn.Config(
            build_app(services),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
            ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
            ssl_keyfile=str(config.tls_key) if config.tls_key else None,
            # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: a local
            # client could then pick the address the login limit counts.
            proxy_headers=bool(config.trusted_proxies),
            forwarded_allow_ips=list(config.trusted_proxies) or "",
        )
    )
    await _start(stack, server, sock, services.closing.set)
    scheme = "https" if config.tls_cert else "http"
    return f"{scheme}://{_url_host(config.host)}:{sock.getsockname()[1]}"


def _metrics_socket(config: ServerConfig) -> socket.socket | None:
    """The metrics listener's socket, bound now; a port in use is one located error."""
    if config.metrics_port is None:
        return None
    host = config.metrics_host or config.host
    try:
        return listening_socket(host, config.metrics_port)
    except ConfigError as err:
        raise ConfigError(
            f"cannot listen on {host}:{config.metrics_port} for metrics: {err.message}",
            where=Location(obj="settings", field="metrics_port"),
            hint="choose another port with --metrics-port or GITWARD_METRICS_PORT (0: a free one)",
        ) from None


async def _serve_metrics(
    stack: contextlib.AsyncExitStack,
    config: ServerConfig,
    services: Services,
    sock: socket.socket | None,
) -> str | None:
    """The metrics listener (plain HTTP, no forwarded headers) on ``sock``, when there is one."""
    if sock is None:
        return None
    host = config.metrics_host or config.host
    server = _Server(
        uvicorn.Config(
            build_metrics_app(services),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            proxy_headers=False,
        )
    )
    await _start(stack, server, sock, lambda: None)
    return f"http://{_url_host(host)}:{sock.getsockname()[1]}{METRICS_PATH}"


async def _start(
    stack: contextlib.AsyncExitStack,
    server: _Server,
    sock: socket.socket,
    on_stop: Callable[[], None],
) -> None:
    serving = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))

    async def stop() -> None:
        on_stop()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving

    stack.push_async_callback(stop)
    async with asyncio.timeout(_START_TIMEOUT_S):
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the API server stopped while starting")
            await asyncio.sleep(0.01)


def _url_host(host: str) -> str:
    return host if host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104


def _check_tls(config: ServerConfig) -> None:
    """The certificate and key load, or a :class:`ConfigError` before anything is written."""
    if config.tls_cert is None:
        return
    try:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as err:
        raise ConfigError(
            f"cannot use the TLS certificate and key: {err.strerror or err}",
            where=Location(file=f"{config.tls_cert}, {config.tls_key}"),
            hint="Give a PEM certificate (--tls-cert) and its PEM private key (--tls-key)",
        ) from err


def _make_data_dir(data_dir: Path) -> None:
    """The data directory, owner-only (an existing one is tightened)."""
    try:
        private_directory(data_dir)
    except OSError as err:
        raise ConfigError(
            f"cannot make the data directory: {err.strerror or err}",
            where=Location(file=str(data_dir)),
            hint="Choose a directory gitward may write with --data-dir (GITWARD_DATA_DIR)",
        ) from err


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; a port in use (or an address not on this machine)
    is a :class:`ConfigError` saying which, so a start that cannot listen changes nothing."""
    # IPPROTO_TCP so that asyncio sets TCP_NODELAY on accepted sockets (no delayed-ACK stalls).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except (OSError, OverflowError) as err:
        sock.close()
        raise _cannot_listen(host, port, err) from err
    sock.setblocking(False)
    return sock


def _cannot_listen(host: str, port: int, err: OSError | OverflowError) -> ConfigError:
    where = Location(obj=f"{host}:{port}")
    if isinstance(err, OSError) and err.errno == errno.EADDRINUSE:
        return ConfigError(
            "the port is in use by another program (another gitward?)",
            where=where,
            hint="Stop it, or choose another port with --port (GITWARD_PORT); 0 picks a free one",
        )
    reason = (err.strerror if isinstance(err, OSError) else None) or str(err)
    return ConfigError(
        f"cannot listen there: {reason}",
        where=where,
        hint="Choose an address of this machine with --host (GITWARD_HOST)",
    )
