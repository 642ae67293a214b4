"""Notifications: what triggers asked to send, pending until delivered, kept as sent.

Revision ID: 0004
Revises: 0003

A row per (app, trigger condition, once-per value, service, recipient), keyed by a digest of
those; ``state`` is pending, sent or failed. Kept rows are the memory that a notification was
sent: a restart neither loses a pending one nor repeats a sent one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME = 253


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("app", sa.String(NAME), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_notifications"),
    )
    op.create_index("ix_notifications_app", "notifications", ["app"])
    op.create_index("ix_notifications_state", "notifications", ["state"])


def downgrade() -> None:
    op.drop_index("ix_notifications_state", "notifications")
    op.drop_index("ix_notifications_app", "notifications")
    op.drop_table("notifications")
