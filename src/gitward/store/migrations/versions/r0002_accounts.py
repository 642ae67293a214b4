"""Local accounts, API token ids, ended sessions, the signing key and login rate-limit buckets.

Revision ID: 0002
Revises: 0001

Only a token's id (its JWT ``jti``) is kept, never the token; the signing key is sealed with the
store's secret key like repository credentials; rate-limit buckets carry an expiry so that the
table can be swept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME = 253
SUBJECT = 1024


def _stamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.Column("password_changed_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_accounts"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(SUBJECT), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("issued_at", _stamp(), nullable=False),
        sa.Column("expires_at", _stamp(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", _stamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
    )
    op.create_index("ix_api_tokens_subject", "api_tokens", ["subject"])
    op.create_table(
        "ended_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(SUBJECT), nullable=False),
        sa.Column("expires_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ended_sessions"),
    )
    op.create_index("ix_ended_sessions_expires_at", "ended_sessions", ["expires_at"])
    op.create_table(
        "signing_keys",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_signing_keys"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", _stamp(), nullable=True),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.Column("expires_at", _stamp(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_index("ix_login_throttle_expires_at", "login_throttle", ["expires_at"])


def downgrade() -> None:
    for table in ("login_throttle", "signing_keys", "ended_sessions", "api_tokens", "accounts"):
        op.drop_table(table)
