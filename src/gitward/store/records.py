"""What the store hands out and takes in: frozen values, separate from the tables that hold them.

Read models (``*Record``, ``*Summary``, ``*Entry``) are what the API, UI and controller see; the
ORM rows in ``tables`` never leave the store. Secrets only travel in :class:`Credentials`, whose
repr shows which secrets are set and never their values; read models of repositories and clusters
carry ``has_*`` flags instead. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gitward.model.application import Application

__all__ = [
    "AccountCapability",
    "AccountRecord",
    "AppDefinition",
    "AppRecord",
    "AppStatus",
    "AppSummary",
    "AuditAction",
    "AuditEntry",
    "ClusterDefinition",
    "ClusterRecord",
    "Credentials",
    "HistoryEntry",
    "OperationPhase",
    "OperationRecord",
    "ProjectDefinition",
    "ProjectRecord",
    "RepoDefinition",
    "RepoRecord",
    "ThrottleState",
    "TokenRecord",
]

Json = Any
"""A value that JSON can hold: dict, list, str, int, float, bool or None."""

DEFAULT_HISTORY_LIMIT = 10


@dataclass(frozen=True, slots=True)
class AppDefinition:
    """An Application as written in Git: the input of ``store.apps.upsert``.

    ``document`` is the whole manifest as JSON; ``parent`` the app-of-apps that generated it;
    ``history_limit`` its ``spec.revisionHistoryLimit``.
    """

    name: str
    project: str
    document: Mapping[str, Json]
    parent: str | None = None
    file: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    history_limit: int = DEFAULT_HISTORY_LIMIT

    @classmethod
    def of(
        cls, app: Application, document: Mapping[str, Json], *, parent: str | None = None
    ) -> AppDefinition:
        """The definition of a parsed Application and the document it was parsed from."""
        return cls(
            name=app.name,
            project=app.project,
            document=document,
            parent=parent,
            file=app.file,
            labels=dict(app.labels),
            history_limit=app.revision_history_limit,
        )


@dataclass(frozen=True, slots=True)
class AppStatus:
    """What the controller last computed for an app (Argo CD's ``status``, in short)."""

    sync_status: str = "Unknown"
    health_status: str = "Unknown"
    health_message: str = ""
    conditions: tuple[Mapping[str, Json], ...] = ()
    reconciled_at: datetime | None = None
    observed_revisions: tuple[str, ...] = ()
    resources: Mapping[str, Json] = field(default_factory=dict)
    """A summary of the app's resources (counts, per-resource sync and health), as JSON."""


@dataclass(frozen=True, slots=True)
class AppRecord:
    """One Application with its status; ``version`` changes on every write."""

    name: str
    project: str
    parent: str | None
    file: str | None
    labels: Mapping[str, str]
    document: Mapping[str, Json]
    history_limit: int
    status: AppStatus
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AppSummary:
    """The columns of an app list: no document, no resources.

    The source is the app's first (``spec.sources[0]`` when ``sources`` is set), as written;
    ``sync_policy`` is ``{"automated": {...flags as written}}``, or None for a manual app;
    ``revision`` the first revision the controller observed ("" before it looked).
    """

    name: str
    project: str
    parent: str | None
    labels: Mapping[str, str]
    sync_status: str
    health_status: str
    reconciled_at: datetime | None
    version: int
    repo_url: str = ""
    source_path: str = ""
    source_chart: str = ""
    target_revision: str = ""
    dest_server: str = ""
    dest_name: str = ""
    dest_namespace: str = ""
    sync_policy: Mapping[str, Json] | None = None
    revision: str = ""


@dataclass(frozen=True, slots=True)
class ProjectDefinition:
    """An AppProject as written in Git: the input of ``store.projects.upsert``."""

    name: str
    document: Mapping[str, Json]
    file: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    name: str
    document: Mapping[str, Json]
    file: str | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """Secrets for a repository or a cluster; stored encrypted, returned only by
    ``credentials_for``. The repr says which are set, never what they are."""

    username: str = ""
    password: str = ""
    bearer_token: str = ""
    ssh_private_key: str = ""
    tls_client_cert_data: str = ""
    tls_client_cert_key: str = ""
    ca_data: str = ""

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in a message."""
        values = (self.password, self.bearer_token, self.ssh_private_key, self.tls_client_cert_key)
        return tuple(value for value in values if value)

    def __repr__(self) -> str:
        flags = ", ".join(f"{name}=<hidden>" for name in _SECRET_FIELDS if getattr(self, name))
        return f"Credentials(username={self.username!r}{', ' + flags if flags else ''})"


_SECRET_FIELDS = ("password", "bearer_token", "ssh_private_key", "tls_client_cert_key")


@dataclass(frozen=True, slots=True, repr=False)
class RepoDefinition:
    """A repository (or, with ``template``, credentials for every URL under a prefix)."""

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    name: str = ""
    type: str = "git"
    project: str = ""
    template: bool = False
    insecure: bool = False
    enable_lfs: bool = False
    proxy: str = ""

    def __repr__(self) -> str:
        return f"RepoDefinition(url={self.url!r}, type={self.type!r}, {self.credentials!r})"


@dataclass(frozen=True, slots=True)
class RepoRecord:
    """A repository as the API shows it: flags, never secrets."""

    url: str
    name: str
    type: str
    project: str
    template: bool
    insecure: bool
    enable_lfs: bool
    proxy: str
    username: str
    has_password: bool
    has_bearer_token: bool
    has_ssh_private_key: bool
    has_tls_client_cert: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, repr=False)
class ClusterDefinition:
    """A cluster Applications may deploy to (Argo CD's cluster secret, in short)."""

    server: str
    name: str = ""
    credentials: Credentials = field(default_factory=Credentials)
    namespaces: tuple[str, ...] = ()
    project: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    insecure: bool = False
    server_name: str = ""

    def __repr__(self) -> str:
        return (
            f"ClusterDefinition(server={self.server!r}, name={self.name!r}, {self.credentials!r})"
        )


@dataclass(frozen=True, slots=True)
class ClusterRecord:
    """A cluster as the API shows it: flags, never secrets."""

    server: str
    name: str
    namespaces: tuple[str, ...]
    project: str
    labels: Mapping[str, str]
    insecure: bool
    server_name: str
    username: str
    has_password: bool
    has_bearer_token: bool
    has_tls_client_cert: bool
    has_ca_data: bool
    created_at: datetime
    updated_at: datetime


class OperationPhase(StrEnum):
    """Argo CD's operation phases. Running and Terminating are the live ones."""

    RUNNING = "Running"
    TERMINATING = "Terminating"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"

    @property
    def completed(self) -> bool:
        return self not in {OperationPhase.RUNNING, OperationPhase.TERMINATING}


LIVE_PHASES = (OperationPhase.RUNNING.value, OperationPhase.TERMINATING.value)


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """The persisted state of an app's re-entrant sync step.

    ``request`` is what was asked for (revision, prune, sync options...); ``state`` is what the
    step has recorded so far and reads back on its next call, after a restart too.
    """

    id: str
    app: str
    phase: OperationPhase
    message: str
    request: Mapping[str, Json]
    state: Mapping[str, Json]
    requested_by: str
    terminate: bool
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One deployment of an app; ``id`` counts up per app and is what a rollback names."""

    app: str
    id: int
    revision: str
    commit_sha: str
    source: Json
    deployed_at: datetime
    initiated_by: str
    phase: OperationPhase
    message: str


class AuditAction(StrEnum):
    """What an audit entry records somebody doing."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SYNC = "sync"
    ROLLBACK = "rollback"
    TERMINATE = "terminate"
    REFRESH = "refresh"
    LOGIN = "login"
    LOGOUT = "logout"
    APPROVE = "approve"
    REJECT = "reject"
    ACTION = "action"
    """A resource action (``restart``) run on a resource of an app."""
    PROMOTE = "promote"
    """Values promoted into an app's value files from another app (``gitward promote``)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: AuditAction
    target: str
    details: Mapping[str, Json]


class AccountCapability(StrEnum):
    """What a local account may do: log in with its password, or hold API tokens (Argo CD's
    ``accounts.<name>: apiKey, login``)."""

    LOGIN = "login"
    API_KEY = "apiKey"


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A local account as the API shows it: never its password hash (see
    ``store.accounts.password_hash``)."""

    name: str
    enabled: bool
    capabilities: frozenset[AccountCapability]
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as issued: its id (the JWT's ``jti``) and subject, never the token itself.

    ``subject`` is an account name or a project role, ``proj:<project>:<role>``.
    """

    id: str
    subject: str
    description: str
    issued_at: datetime
    expires_at: datetime | None
    revoked: bool
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ThrottleState:
    """One login rate-limit bucket as kept between attempts and restarts.

    ``level`` is the bucket's fill (it drains with time), ``failures`` the consecutive failures
    counted against it, ``blocked_until`` a lockout's end; the store forgets the bucket after
    ``expires_at``. What the numbers mean is the rate limiter's business, not the store's.
    """

    key: str
    level: float
    failures: int
    updated_at: datetime
    expires_at: datetime
    blocked_until: datetime | None = None
