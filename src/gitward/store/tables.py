"""The store's tables as SQLAlchemy ORM rows. Rows never leave the store: see ``records``.

The schema itself is made by the Alembic revisions under ``migrations/``, never by
``create_all``; a test checks that these classes and the migrated schema agree. Timestamps are
UTC and come back timezone-aware on every backend; JSON columns keep documents as written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AccountRow",
    "AppRow",
    "AppSetRow",
    "AuditRow",
    "Base",
    "ClusterRow",
    "EndedSessionRow",
    "HistoryRow",
    "LeaseEpochRow",
    "NotificationRow",
    "OperationRow",
    "ProjectRow",
    "ReplicaRow",
    "RepoRow",
    "SigningKeyRow",
    "ThrottleRow",
    "TokenRow",
    "UtcDateTime",
    "table_of",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp, also on SQLite (which keeps naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps timezone-aware timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Integer on SQLite so that the key is the rowid (autoincrementing); BIGINT elsewhere.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NAME = 253  # a DNS subdomain, the longest Kubernetes object name


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: sa.JSON(),
        Any: sa.JSON(),
    }


def table_of(row: type[Base]) -> sa.Table:
    """The Core table of a mapped class, for statements that should not go through the ORM
    (the store's hot writes and reads: no identity map, no flush, no ORM bulk handling)."""
    table = row.__table__
    assert isinstance(table, sa.Table)
    return table


class ProjectRow(Base):
    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(sa.String(NAME), primary_key=True)
    document: Mapped[dict[str, Any]]
    file: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AppSetRow(Base):
    __tablename__ = "appsets"

    name: Mapped[str] = mapped_column(sa.String(NAME), primary_key=True)
    project: Mapped[str] = mapped_column(sa.String(NAME))
    document: Mapped[dict[str, Any]]
    status: Mapped[dict[str, Any]]
    version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AppRow(Base):
    __tablename__ = "apps"

    name: Mapped[str] = mapped_column(sa.String(NAME), primary_key=True)
    project: Mapped[str] = mapped_column(sa.String(NAME), index=True)
    parent: Mapped[str | None] = mapped_column(sa.String(NAME), index=True)
    file: Mapped[str | None] = mapped_column(sa.Text)
    labels: Mapped[dict[str, Any]]
    document: Mapped[dict[str, Any]]
    history_limit: Mapped[int]
    history_seq: Mapped[int]
    sync_status: Mapped[str] = mapped_column(sa.String(32))
    health_status: Mapped[str] = mapped_column(sa.String(32))
    health_message: Mapped[str] = mapped_column(sa.Text)
    conditions: Mapped[Any]
    reconciled_at: Mapped[datetime | None]
    observed_revisions: Mapped[Any]
    resources: Mapped[dict[str, Any]]
    version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Copied from the document on every write, so that a list never reads documents.
    repo_url: Mapped[str] = mapped_column(sa.Text, server_default="")
    source_path: Mapped[str] = mapped_column(sa.Text, server_default="")
    source_chart: Mapped[str] = mapped_column(sa.Text, server_default="")
    target_revision: Mapped[str] = mapped_column(sa.Text, server_default="")
    dest_server: Mapped[str] = mapped_column(sa.Text, server_default="")
    dest_name: Mapped[str] = mapped_column(sa.Text, server_default="")
    dest_namespace: Mapped[str] = mapped_column(sa.Text, server_default="")
    sync_policy: Mapped[dict[str, Any] | None]


class RepoRow(Base):
    __tablename__ = "repositories"

    url_key: Mapped[str] = mapped_column(sa.String(2048), primary_key=True)
    url: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.String(NAME))
    type: Mapped[str] = mapped_column(sa.String(16))
    project: Mapped[str] = mapped_column(sa.String(NAME))
    template: Mapped[bool]
    insecure: Mapped[bool]
    enable_lfs: Mapped[bool]
    proxy: Mapped[str] = mapped_column(sa.Text)
    username: Mapped[str] = mapped_column(sa.Text)
    has_password: Mapped[bool]
    has_bearer_token: Mapped[bool]
    has_ssh_private_key: Mapped[bool]
    has_tls_client_cert: Mapped[bool]
    sealed: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ClusterRow(Base):
    __tablename__ = "clusters"

    server: Mapped[str] = mapped_column(sa.String(2048), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME), unique=True)
    namespaces: Mapped[Any]
    project: Mapped[str] = mapped_column(sa.String(NAME))
    labels: Mapped[dict[str, Any]]
    insecure: Mapped[bool]
    server_name: Mapped[str] = mapped_column(sa.Text)
    username: Mapped[str] = mapped_column(sa.Text)
    has_password: Mapped[bool]
    has_bearer_token: Mapped[bool]
    has_tls_client_cert: Mapped[bool]
    has_ca_data: Mapped[bool]
    sealed: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


LIVE = "phase IN ('Running', 'Terminating')"


class OperationRow(Base):
    __tablename__ = "operations"
    __table_args__ = (
        sa.Index(
            "uq_operations_one_live_per_app",
            "app",
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    app: Mapped[str] = mapped_column(
        sa.String(NAME), sa.ForeignKey("apps.name", ondelete="CASCADE"), index=True
    )
    phase: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.Text)
    request: Mapped[dict[str, Any]]
    state: Mapped[dict[str, Any]]
    requested_by: Mapped[str] = mapped_column(sa.Text)
    terminate: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    claimed_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    """The lease epoch of the replica applying the current step; None between steps."""


class HistoryRow(Base):
    __tablename__ = "history"
    __table_args__ = (sa.UniqueConstraint("app", "seq"),)

    row_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    app: Mapped[str] = mapped_column(
        sa.String(NAME), sa.ForeignKey("apps.name", ondelete="CASCADE")
    )
    seq: Mapped[int]
    revision: Mapped[str] = mapped_column(sa.Text)
    commit_sha: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[Any]
    deployed_at: Mapped[datetime]
    initiated_by: Mapped[str] = mapped_column(sa.Text)
    phase: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.Text)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.String(32))
    target: Mapped[str] = mapped_column(sa.Text, index=True)
    details: Mapped[dict[str, Any]]


class AccountRow(Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(sa.String(NAME), primary_key=True)
    password_hash: Mapped[str] = mapped_column(sa.Text)
    enabled: Mapped[bool]
    capabilities: Mapped[Any]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


SUBJECT = 1024  # "proj:<project>:<role>", both names up to NAME long


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(SUBJECT), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked: Mapped[bool]
    revoked_at: Mapped[datetime | None]


class EndedSessionRow(Base):
    __tablename__ = "ended_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(SUBJECT))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    sealed: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


class ReplicaRow(Base):
    """A live ``gitward server`` on this database, while its lease lasts."""

    __tablename__ = "replicas"
    __table_args__ = (sa.UniqueConstraint("epoch"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    address: Mapped[str] = mapped_column(sa.Text)
    epoch: Mapped[int] = mapped_column(sa.BigInteger)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LeaseEpochRow(Base):
    """The last lease epoch handed out (one row): epochs only grow."""

    __tablename__ = "lease_epochs"

    scope: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    epoch: Mapped[int] = mapped_column(sa.BigInteger)


class ThrottleRow(Base):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    level: Mapped[float] = mapped_column(sa.Float)
    failures: Mapped[int]
    blocked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class NotificationRow(Base):
    """One notification a trigger asked for: pending until delivered (or given up); its row
    is also the memory that it was sent, so a restart neither loses nor repeats it."""

    __tablename__ = "notifications"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    app: Mapped[str] = mapped_column(sa.String(NAME), index=True)
    trigger: Mapped[str] = mapped_column(sa.Text)
    service: Mapped[str] = mapped_column(sa.Text)
    recipient: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer)
    error: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
