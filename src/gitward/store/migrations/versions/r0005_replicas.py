"""Replicas: the live ``gitward server`` processes sharing one database, and the step claims.

Revision ID: 0005
Revises: 0004

``replicas`` holds one row per live replica: its id, the address it serves on, its lease epoch
(a number drawn once per join from ``lease_epochs``, never reused, the fencing token) and when
its lease expires unless renewed. ``operations.claimed_by`` is the lease epoch of the replica
applying the operation's current step (NULL between steps): another replica may take the step
over only once that lease is gone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replicas",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_replicas"),
        sa.UniqueConstraint("epoch", name="uq_replicas_epoch"),
    )
    op.create_table(
        "lease_epochs",
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_lease_epochs"),
    )
    op.add_column("operations", sa.Column("claimed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("operations", "claimed_by")
    op.drop_table("lease_epochs")
    op.drop_table("replicas")
