"""How to reach one cluster: its address as Argo CD names it, and the credentials to use.

Three sources of credentials, as Argo CD's cluster secrets and client-go know them: a kubeconfig
file (and context), the in-cluster service account (token file and CA at the standard paths,
``KUBERNETES_SERVICE_HOST``/``PORT``), or a bearer token with a CA. The result is lightkube's
:class:`SingleConfig`, from which :mod:`gitward.kube.remote` builds its HTTP client.

A kubeconfig can name a program to run for a token (``exec``) or an ``auth-provider`` plugin;
a kubeconfig that came from someone else must not run commands on gitward's host, so both are
refused unless the operator sets ``allow_exec_plugins``. This module must not send requests
and must not put a credential into any message.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

import yaml
from lightkube.config.kubeconfig import KubeConfig, SingleConfig
from lightkube.config.models import Cluster, Context, User
from lightkube.core.exceptions import ConfigError as LightkubeConfigError

from gitward.errors import ClusterConfigError, Location

__all__ = ["SERVICE_ACCOUNT_DIR", "ClusterAccess", "load_config", "service_account_available"]

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True, slots=True, repr=False)
class ClusterAccess:
    """One cluster gitward may deploy to (Argo CD's cluster secret, in short).

    ``server`` and ``name`` are how Applications address it (``spec.destination``); the URL
    gitward connects to comes from the credentials: the kubeconfig context's cluster, the
    service account environment, or ``server`` itself with ``bearer_token``.
    """

    server: str
    name: str = ""
    kubeconfig: Path | None = None
    context: str | None = None
    in_cluster: bool = False
    bearer_token: str | None = None
    ca_file: Path | None = None
    ca_data: str | None = None
    insecure: bool = False
    allow_exec_plugins: bool = False
    service_account_dir: Path = SERVICE_ACCOUNT_DIR

    @property
    def label(self) -> str:
        """How messages name this cluster: its name, else its server URL."""
        return self.name or self.server

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in a message."""
        return tuple(s for s in (self.bearer_token,) if s)

    def __repr__(self) -> str:
        token = "******" if self.bearer_token else None
        return (
            f"ClusterAccess(server={self.server!r}, name={self.name!r}, "
            f"kubeconfig={self.kubeconfig!r}, context={self.context!r}, "
            f"in_cluster={self.in_cluster}, bearer_token={token!r})"
        )


def service_account_available(
    directory: Path = SERVICE_ACCOUNT_DIR, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether gitward runs inside a pod with a service account token mounted."""
    env = os.environ if environ is None else environ
    has_env = bool(env.get("KUBERNETES_SERVICE_HOST") and env.get("KUBERNETES_SERVICE_PORT"))
    return has_env and (directory / "token").is_file()


def load_config(access: ClusterAccess, environ: Mapping[str, str] | None = None) -> SingleConfig:
    """lightkube's connection settings for ``access``; refuses plugins unless allowed."""
    if access.in_cluster:
        return _service_account(access, os.environ if environ is None else environ)
    if access.kubeconfig is not None:
        return _kubeconfig(access)
    if access.bearer_token is not None:
        return _bearer(access)
    raise ClusterConfigError(
        "no credentials are configured",
        where=Location(obj=f"cluster {access.label}"),
        hint="Give a kubeconfig (and context), in_cluster, or a bearer token with a CA",
    )


def _kubeconfig(access: ClusterAccess) -> SingleConfig:
    assert access.kubeconfig is not None
    where = Location(file=str(access.kubeconfig), obj=f"cluster {access.label}")
    try:
        config = KubeConfig.from_file(access.kubeconfig).get(access.context)
    except LightkubeConfigError as err:
        raise ClusterConfigError(str(err), where=where, hint=_KUBECONFIG_HINT) from err
    except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as err:
        raise ClusterConfigError(
            f"the kubeconfig is malformed ({_malformed(err)})", where=where, hint=_KUBECONFIG_HINT
        ) from err
    if config is None:
        raise ClusterConfigError("the kubeconfig selects no context", where=where)
    _refuse_plugins(config, access, where)
    return config if config.user is not None else config._replace(user=User())


_KUBECONFIG_HINT = "Check the file and the context name (kubectl config get-contexts)"


def _malformed(err: Exception) -> str:
    """What is wrong, without quoting the file: a YAML error's snippet may hold a token."""
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {err.problem}"
    if isinstance(err, yaml.YAMLError):
        return "invalid YAML"
    return f"{type(err).__name__}: {err}"


def _refuse_plugins(config: SingleConfig, access: ClusterAccess, where: Location) -> None:
    user = config.user
    if user is None:
        return
    context = f"context {config.context_name!r}"
    if user.auth_provider is not None:
        raise ClusterConfigError(
            f"{context} uses an auth-provider plugin, which gitward does not support",
            where=where,
            hint="Use a bearer token or a client certificate in the kubeconfig",
        )
    if user.exec is not None and not access.allow_exec_plugins:
        program = PurePath(user.exec.command).name
        raise ClusterConfigError(
            f"{context} would run the program {program!r} (a kubeconfig exec plugin); "
            "gitward refused to run it",
            where=where,
            hint=(
                "Use a bearer token or client certificate instead, or enable "
                "allow_exec_plugins for this cluster if you trust the kubeconfig"
            ),
        )


def _service_account(access: ClusterAccess, environ: Mapping[str, str]) -> SingleConfig:
    directory = access.service_account_dir
    host = environ.get("KUBERNETES_SERVICE_HOST", "")
    port = environ.get("KUBERNETES_SERVICE_PORT", "")
    where = Location(file=str(directory), obj=f"cluster {access.label}")
    if not (host and port and (directory / "token").is_file()):
        raise ClusterConfigError(
            "gitward does not run inside a cluster (no service account token, or "
            "KUBERNETES_SERVICE_HOST/PORT unset)",
            where=where,
            hint="Configure this cluster with a kubeconfig context or a bearer token",
        )
    host = f"[{host}]" if ":" in host else host
    cluster = Cluster(server=f"https://{host}:{port}", certificate_auth=str(directory / "ca.crt"))
    namespace_file = directory / "namespace"
    namespace = namespace_file.read_text().strip() if namespace_file.is_file() else None
    return SingleConfig(
        context_name="in-cluster",
        context=Context(cluster="in-cluster", user="in-cluster", namespace=namespace),
        cluster=cluster,
        user=User(token_file=str(directory / "token")),
    )


def _bearer(access: ClusterAccess) -> SingleConfig:
    ca_data = access.ca_data
    if ca_data is not None and "BEGIN CERTIFICATE" in ca_data:
        ca_data = base64.b64encode(ca_data.encode()).decode()
    cluster = Cluster(
        server=access.server,
        certificate_auth=str(access.ca_file) if access.ca_file else None,
        certificate_auth_data=ca_data,
        insecure=access.insecure,
    )
    return SingleConfig(
        context_name=access.label,
        context=Context(cluster=access.label, user=access.label),
        cluster=cluster,
        user=User(token=access.bearer_token),
    )
