"""``gitward server``: the API server and the controller in one process, until Ctrl-C.

Every flag is also an environment variable (``--port`` is ``GITWARD_PORT``; ``--help`` shows
each one and its default), and the flag wins over the variable. Settings with no flag are read
from the environment by ``gitward.settings``. The first start prints the ``admin`` password
once; ``--reset-admin-password`` prints a new one and exits. Ctrl-C (or SIGTERM) stops taking
requests, lets each controller worker store the step it is in, and exits; the next start
resumes in-flight operations.

This module only reads the command line: the server is :mod:`gitward.cli.serving`'s, imported
when the command runs, so that ``--help`` and the client commands never load it.

A new flag follows the same pattern: ``setting("GITWARD_NAME", "Help.", default="shown")``
as its ``typer.Option``, and a line in :func:`server` putting its value into ``overrides``
when it is not None.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from gitward.cli.failing import EXIT_USAGE, abort
from gitward.cli.treeoptions import parse_helm_repos
from gitward.errors import GitwardError
from gitward.settings import (
    ControllerSettings,
    ReplicaSettings,
    ServerSettings,
    Settings,
    parse_git_hosts,
    parse_repo_dir,
)
from gitward.settings import trusted_proxies as parse_proxies

__all__ = ["server", "setting"]

_SERVER = ServerSettings(data_dir=Path())  # only for the defaults that --help shows
_CONTROLLER = ControllerSettings()
_MEMBERSHIP = ReplicaSettings()


def setting(
    env: str | list[str], help_text: str, default: object = None, *names: str, **more: Any
) -> Any:
    """A ``gitward server`` flag that the environment variable ``env`` also sets (the first
    one set, when a list); ``--help`` shows the variable and ``default``. ``names`` are the
    flag's spellings when Typer's default from the parameter name will not do."""
    return typer.Option(
        *names,
        envvar=env,
        show_envvar=True,
        help=help_text,
        show_default=False if default is None else str(default),
        **more,
    )


def server(
    data_dir: Annotated[
        Path | None,
        setting(
            "GITWARD_DATA_DIR",
            "Database, keys and git cache.",
            "$XDG_DATA_HOME/gitward or ~/.local/share/gitward",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        setting(
            "GITWARD_DATABASE_URL",
            "sqlite:///path or postgresql://user@host/db.",
            "gitward.db in the data directory",
        ),
    ] = None,
    host: Annotated[
        str | None, setting("GITWARD_HOST", "Address to listen on.", _SERVER.host)
    ] = None,
    port: Annotated[
        int | None,
        setting(
            "GITWARD_PORT", "Port to listen on (0: a free one).", _SERVER.port, min=0, max=65535
        ),
    ] = None,
    tls_cert: Annotated[
        Path | None, setting("GITWARD_TLS_CERT", "PEM certificate: serve HTTPS.", "plain HTTP")
    ] = None,
    tls_key: Annotated[
        Path | None, setting("GITWARD_TLS_KEY", "The certificate's private key.")
    ] = None,
    rbac: Annotated[
        Path | None,
        setting(
            "GITWARD_RBAC",
            "policy.csv or an argocd-rbac-cm ConfigMap YAML; reloaded when it changes.",
            "the built-in roles only",
        ),
    ] = None,
    settings_file: Annotated[
        Path | None,
        setting(
            "GITWARD_SETTINGS",
            "Argo CD's argocd-cm ConfigMap YAML; reloaded when it changes.",
            "none",
            "--settings",
        ),
    ] = None,
    reconciliation_period: Annotated[
        float | None,
        setting(
            "GITWARD_RECONCILIATION_PERIOD",
            "Seconds between refreshes of every app (0: off).",
            f"{_CONTROLLER.reconciliation_s:g}",
            min=0,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        setting(
            "GITWARD_CONTROLLER_WORKERS", "Apps reconciled at once.", _CONTROLLER.workers, min=1
        ),
    ] = None,
    server_side_diff: Annotated[
        bool | None,
        setting(
            "GITWARD_SERVER_SIDE_DIFF",
            "Compare apps with server-side dry-run applies (Argo CD's ServerSideDiff).",
            "off",
            "--server-side-diff/--no-server-side-diff",
        ),
    ] = None,
    policies: Annotated[
        Path | None,
        setting(
            "GITWARD_POLICIES",
            "A folder of ValidatingAdmissionPolicy and binding YAML files checked before every "
            "sync.",
            "none: only the built-ins projects enable",
        ),
    ] = None,
    bootstrap: Annotated[
        Path | None,
        setting("GITWARD_BOOTSTRAP", "A file with the root Application to load at start."),
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        setting(
            ["GITWARD_KUBECONFIG", "KUBECONFIG"],
            "The kubeconfig of the cluster Applications call https://kubernetes.default.svc.",
            "none: only clusters added through the API",
        ),
    ] = None,
    context: Annotated[
        str | None,
        setting("GITWARD_CONTEXT", "The kubeconfig context to use.", "its current context"),
    ] = None,
    repo_dir: Annotated[
        list[str] | None,
        setting(
            "GITWARD_REPO_DIRS",
            "Serve repoURL URL (however an app spells it) from the git clone DIR; repeatable "
            "(the variable: comma-separated URL=DIR pairs).",
            "none",
            "--repo-dir",
            metavar="URL=DIR",
        ),
    ] = None,
    allow_local_repos: Annotated[
        list[Path] | None,
        setting(
            "GITWARD_ALLOW_LOCAL_REPOS",
            "Let apps name git repositories under DIR by path or file:// URL; repeatable "
            "(the variable: directories separated like PATH).",
            "none: local repoURLs are refused",
            "--allow-local-repos",
            metavar="DIR",
        ),
    ] = None,
    helm_repo_dir: Annotated[
        list[str] | None,
        setting(
            "GITWARD_HELM_REPO_DIRS",
            "Serve Helm chart repository URL (in sources and Chart.yaml dependencies) from DIR, "
            "a directory of chart archives or chart directories; repeatable (the variable: "
            "comma-separated URL=DIR pairs).",
            "none",
            "--helm-repo-dir",
            metavar="URL=DIR",
        ),
    ] = None,
    allow_private_chart_repos: Annotated[
        bool,
        setting(
            "GITWARD_ALLOW_PRIVATE_CHART_REPOS",
            "Let apps read Helm chart repositories and OCI registries on loopback, private or "
            "link-local addresses (a request the server makes for whoever may create apps).",
            "off: such repositories are refused",
            "--allow-private-chart-repos",
        ),
    ] = False,
    git_host: Annotated[
        list[str] | None,
        setting(
            "GITWARD_GIT_HOSTS",
            "A self-hosted GitHub Enterprise or GitLab whose API opens promotion pull requests, "
            "as github=URL or gitlab=URL; repeatable (the variable: comma-separated).",
            "github.com, gitlab.com and github.*/gitlab.* hosts only",
            "--git-host",
            metavar="KIND=URL",
        ),
    ] = None,
    render_max_files: Annotated[
        int | None,
        setting(
            "GITWARD_RENDER_MAX_FILES",
            "Manifest files one directory source may read.",
            10000,
            min=1,
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        setting(
            "GITWARD_METRICS_PORT",
            "Port of the Prometheus /metrics listener, never the API's port (0: a free one).",
            8083,
            min=0,
            max=65535,
        ),
    ] = None,
    trusted_proxies: Annotated[
        str | None,
        setting(
            "GITWARD_TRUSTED_PROXIES",
            "Comma-separated proxy addresses or CIDRs whose X-Forwarded-For counts.",
            "none",
        ),
    ] = None,
    notifications: Annotated[
        Path | None,
        setting(
            "GITWARD_NOTIFICATIONS",
            "An argocd-notifications-cm ConfigMap: triggers, templates, services "
            "(reloaded when it changes).",
            "none",
        ),
    ] = None,
    notifications_secret: Annotated[
        Path | None,
        setting(
            "GITWARD_NOTIFICATIONS_SECRET",
            "Its argocd-notifications-secret, for $key references in services.",
            "none",
        ),
    ] = None,
    replica_lease: Annotated[
        float | None,
        setting(
            "GITWARD_REPLICA_LEASE",
            "Seconds a replica's lease lasts on PostgreSQL: its apps move to the others this "
            "long after it stops answering.",
            f"{_MEMBERSHIP.lease_s:g}",
            min=1,
        ),
    ] = None,
    replica_heartbeat: Annotated[
        float | None,
        setting(
            "GITWARD_REPLICA_HEARTBEAT",
            "Seconds between renewals of a replica's lease (less than the lease).",
            f"{_MEMBERSHIP.heartbeat_s:g}",
            min=0.1,
        ),
    ] = None,
    reset_admin_password: Annotated[
        bool,
        typer.Option(
            "--reset-admin-password",
            help="Give admin a new random password, print it, and exit (an action: no variable).",
        ),
    ] = False,
) -> None:
    """Serve gitward's API and run its controller until Ctrl-C.

    Settings without a flag come from the environment: GITWARD_GIT_TIMEOUT (seconds, 90),
    GITWARD_CACHE_DIR, GITWARD_RECONCILIATION_JITTER (seconds, 60), GITWARD_ANONYMOUS (false),
    GITWARD_WEBHOOK_MAX_BYTES, GITWARD_WEBHOOK_QUEUE and the webhook secrets
    GITWARD_WEBHOOK_GITHUB_SECRET, _GITLAB_SECRET, _BITBUCKET_UUID, _BITBUCKET_SERVER_SECRET.
    """
    if (tls_cert is None) != (tls_key is None):
        abort("--tls-cert and --tls-key go together", EXIT_USAGE)
    from gitward.cli import serving  # noqa: PLC0415 - the heavy part, only when it runs

    settings = _settings()
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "data_dir": data_dir,
            "database_url": database_url,
            "host": host,
            "port": port,
            "tls_cert": tls_cert,
            "tls_key": tls_key,
            "rbac_file": rbac,
            "settings_file": settings_file,
            "bootstrap": bootstrap,
            "metrics_port": metrics_port,
            "render_max_files": render_max_files,
            "notifications": notifications,
            "notifications_secret": notifications_secret,
        }.items()
        if value is not None
    }
    overrides["controller"] = _controller(
        settings, reconciliation_period, workers, server_side_diff
    )
    overrides.update(_local_repos(settings, repo_dir, allow_local_repos))
    overrides["allow_private_chart_repos"] = allow_private_chart_repos
    overrides["helm_repos"] = _helm_repos(helm_repo_dir)
    pinned = {"reconciliation_s"} if reconciliation_period is not None else set()
    if server_side_diff is not None:
        pinned.add("server_side_diff")
    overrides["pinned"] = frozenset(pinned)
    if kubeconfig is not None:
        overrides["clusters"] = (serving.in_cluster(first_kubeconfig(kubeconfig), context),)
    if trusted_proxies is not None:
        try:
            overrides["trusted_proxies"] = parse_proxies(trusted_proxies, "--trusted-proxies")
        except GitwardError as err:
            abort(err.message, EXIT_USAGE)
    overrides["membership"] = _membership(replica_lease, replica_heartbeat)
    if git_host is not None:
        overrides["git_hosts"] = _git_hosts(git_host)
    if policies is not None:
        overrides["controller"] = replace(overrides["controller"], policies_dir=policies)
    serving.run(settings, overrides, reset=reset_admin_password, echo=typer.echo)


def _git_hosts(given: list[str]) -> tuple[tuple[str, str], ...]:
    try:
        return parse_git_hosts([part for text in given for part in text.split(",")], "--git-host")
    except GitwardError as err:
        abort(err.message, EXIT_USAGE)


def first_kubeconfig(value: Path) -> Path:
    """The first file of a ``$KUBECONFIG``-style list (``a:b``) that exists, else the first."""
    files = [Path(part).expanduser() for part in str(value).split(os.pathsep) if part]
    if not files:
        abort("the kubeconfig path is empty", EXIT_USAGE)
    return next((file for file in files if file.is_file()), files[0])


def _controller(
    settings: Settings, period: float | None, workers: int | None, server_side_diff: bool | None
) -> ControllerSettings:
    changed = settings.controller
    if server_side_diff is not None:
        changed = replace(changed, server_side_diff=server_side_diff)
    if period is not None:
        changed = replace(changed, reconciliation_s=period)
    if workers is not None:
        changed = replace(changed, workers=workers)
    return changed


def _membership(lease: float | None, heartbeat: float | None) -> ReplicaSettings:
    """The lease and its renewal: a heartbeat of a third of the lease unless given."""
    lease_s = _MEMBERSHIP.lease_s if lease is None else lease
    heartbeat_s = min(_MEMBERSHIP.heartbeat_s, lease_s / 3) if heartbeat is None else heartbeat
    if heartbeat_s >= lease_s:
        abort(
            f"--replica-heartbeat {heartbeat_s:g} must be shorter than --replica-lease "
            f"{lease_s:g}: a lease would expire between its renewals",
            EXIT_USAGE,
        )
    return ReplicaSettings(lease_s=lease_s, heartbeat_s=heartbeat_s)


def _settings() -> Settings:
    """The environment's settings; a malformed variable is one line and exit 2."""
    try:
        return Settings.from_env()
    except GitwardError as err:
        abort(err.message, 2)


def _helm_repos(texts: list[str] | None) -> dict[str, Path]:
    """``--helm-repo-dir`` pairs (or ``GITWARD_HELM_REPO_DIRS``, comma-separated)."""
    pairs = [part.strip() for text in texts or [] for part in text.split(",") if part.strip()]
    try:
        return parse_helm_repos(pairs)
    except GitwardError as err:
        abort(err.message.replace("--helm-repo ", "--helm-repo-dir "), EXIT_USAGE)


def _local_repos(
    settings: Settings, repo_dir: list[str] | None, allowed: list[Path] | None
) -> dict[str, Any]:
    """``local_repos`` and ``allow_local_repos``: the flags when given, else the environment;
    every directory named must exist."""
    given = "--repo-dir"
    texts = [part for text in repo_dir or [] for part in text.split(",") if part.strip()]
    try:
        pairs = [parse_repo_dir(text.strip(), given) for text in texts]
    except GitwardError as err:
        abort(err.message, 2)
    if repo_dir is None:
        pairs, given = list(settings.server.repo_dirs), "GITWARD_REPO_DIRS"
    directories = (
        [Path(part) for item in allowed for part in str(item).split(os.pathsep) if part]
        if allowed is not None
        else list(settings.server.allow_local_repos)
    )
    for url, directory in pairs:
        if not directory.is_dir():
            abort(f"{given} {url}={directory}: {directory} is not a directory", 2)
    for directory in directories:
        if not directory.is_dir():
            abort(f"--allow-local-repos {directory}: not a directory", 2)
    return {
        "local_repos": {url: directory.resolve() for url, directory in pairs},
        "allow_local_repos": tuple(directory.resolve() for directory in directories),
    }
