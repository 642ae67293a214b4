"""ApplicationSets created through the API: the set as given, and what its last expansion kept.

Revision ID: 0006
Revises: 0005

``appsets`` holds one row per ApplicationSet created with ``POST /api/v1/applicationsets``
(those a parent app declares live in its manifests and are not stored here): its name, the
project of its template (for RBAC), the document as given, the status its last expansion
recorded (conditions, generated apps) and a version for optimistic concurrency.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appsets",
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("project", sa.String(253), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("status", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_appsets"),
    )


def downgrade() -> None:
    op.drop_table("appsets")
