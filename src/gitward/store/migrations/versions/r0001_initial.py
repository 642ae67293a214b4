"""The first schema: apps, projects, repositories, clusters, operations, history, audit log.

Revision ID: 0001
Revises: none

One live operation per app is a partial unique index; the audit log refuses UPDATE and DELETE
through triggers on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NAME = 253
LIVE = "phase IN ('Running', 'Terminating')"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _stamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _projects_and_apps()
    _repositories_and_clusters()
    _operations_and_history()
    _audit_log()


def _projects_and_apps() -> None:
    op.create_table(
        "projects",
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_projects"),
    )
    op.create_table(
        "apps",
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("project", sa.String(NAME), nullable=False),
        sa.Column("parent", sa.String(NAME), nullable=True),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("history_limit", sa.Integer(), nullable=False),
        sa.Column("history_seq", sa.Integer(), nullable=False),
        sa.Column("sync_status", sa.String(32), nullable=False),
        sa.Column("health_status", sa.String(32), nullable=False),
        sa.Column("health_message", sa.Text(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("reconciled_at", _stamp(), nullable=True),
        sa.Column("observed_revisions", sa.JSON(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_apps"),
    )
    op.create_index("ix_apps_project", "apps", ["project"])
    op.create_index("ix_apps_parent", "apps", ["parent"])


def _credential_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("has_password", sa.Boolean(), nullable=False),
        sa.Column("has_bearer_token", sa.Boolean(), nullable=False),
        sa.Column("has_tls_client_cert", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
    ]


def _repositories_and_clusters() -> None:
    op.create_table(
        "repositories",
        sa.Column("url_key", sa.String(2048), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("project", sa.String(NAME), nullable=False),
        sa.Column("template", sa.Boolean(), nullable=False),
        sa.Column("insecure", sa.Boolean(), nullable=False),
        sa.Column("enable_lfs", sa.Boolean(), nullable=False),
        sa.Column("proxy", sa.Text(), nullable=False),
        sa.Column("has_ssh_private_key", sa.Boolean(), nullable=False),
        *_credential_columns(),
        sa.PrimaryKeyConstraint("url_key", name="pk_repositories"),
    )
    op.create_table(
        "clusters",
        sa.Column("server", sa.String(2048), nullable=False),
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("namespaces", sa.JSON(), nullable=False),
        sa.Column("project", sa.String(NAME), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("insecure", sa.Boolean(), nullable=False),
        sa.Column("server_name", sa.Text(), nullable=False),
        sa.Column("has_ca_data", sa.Boolean(), nullable=False),
        *_credential_columns(),
        sa.PrimaryKeyConstraint("server", name="pk_clusters"),
        sa.UniqueConstraint("name", name="uq_clusters_name"),
    )


def _operations_and_history() -> None:
    op.create_table(
        "operations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("app", sa.String(NAME), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("terminate", sa.Boolean(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.Column("finished_at", _stamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operations"),
        sa.ForeignKeyConstraint(
            ["app"], ["apps.name"], name="fk_operations_app_apps", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_operations_app", "operations", ["app"])
    op.create_index(
        "uq_operations_one_live_per_app",
        "operations",
        ["app"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_table(
        "history",
        sa.Column("row_id", BigId, autoincrement=True, nullable=False),
        sa.Column("app", sa.String(NAME), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Text(), nullable=False),
        sa.Column("commit_sha", sa.String(64), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("deployed_at", _stamp(), nullable=False),
        sa.Column("initiated_by", sa.Text(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("row_id", name="pk_history"),
        sa.ForeignKeyConstraint(
            ["app"], ["apps.name"], name="fk_history_app_apps", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("app", "seq", name="uq_history_app_seq"),
    )


_PG_APPEND_ONLY = """
CREATE FUNCTION gitward_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$
"""


def _audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", _stamp(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION gitward_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION gitward_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: {verb} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_log")
        op.execute("DROP FUNCTION gitward_audit_append_only()")
    else:
        op.drop_table("audit_log")
    for table in ("history", "operations", "clusters", "repositories", "apps", "projects"):
        op.drop_table(table)
