"""Summary columns on apps: first source, destination and automated sync flags, for fast lists.

Revision ID: 0003
Revises: 0002

Listing apps must not read their documents, so the fields an app list shows (Argo CD's
``spec.source``, ``spec.destination``, ``spec.syncPolicy.automated``) get columns of their own,
filled here from the stored documents. The reading below is a copy of what ``store.apps`` did
when this revision was written, kept here so that the revision means the same thing forever.
Downgrading drops the columns; the documents still hold everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TEXT_COLUMNS = (
    "repo_url",
    "source_path",
    "source_chart",
    "target_revision",
    "dest_server",
    "dest_name",
    "dest_namespace",
)
_SOURCE = {
    "repo_url": "repoURL",
    "source_path": "path",
    "source_chart": "chart",
    "target_revision": "targetRevision",
}
_DESTINATION = {"dest_server": "server", "dest_name": "name", "dest_namespace": "namespace"}
_FLAGS = ("enabled", "prune", "selfHeal", "allowEmpty")
_BATCH = 500


def upgrade() -> None:
    for column in TEXT_COLUMNS:
        op.add_column(
            "apps", sa.Column(column, sa.Text(), nullable=False, server_default=sa.text("''"))
        )
    op.add_column("apps", sa.Column("sync_policy", sa.JSON(), nullable=True))
    _backfill()


def downgrade() -> None:
    for column in ("sync_policy", *reversed(TEXT_COLUMNS)):
        op.drop_column("apps", column)


def _backfill() -> None:
    apps = sa.table(
        "apps",
        sa.column("name", sa.String()),
        sa.column("document", sa.JSON()),
        *(sa.column(column, sa.Text()) for column in TEXT_COLUMNS),
        sa.column("sync_policy", sa.JSON()),
    )
    connection = op.get_bind()
    update = (
        sa.update(apps)
        .where(apps.c.name == sa.bindparam("app_name"))
        .values({column: sa.bindparam(column) for column in (*TEXT_COLUMNS, "sync_policy")})
    )
    rows = connection.execute(sa.select(apps.c.name, apps.c.document)).all()
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        params = [{"app_name": name, **_summary(document)} for name, document in batch]
        if params:
            connection.execute(update, params)


def _summary(document: Any) -> dict[str, Any]:
    spec = _mapping(_mapping(document).get("spec"))
    sources = spec.get("sources")
    source = _mapping(sources[0] if isinstance(sources, list) and sources else spec.get("source"))
    destination = _mapping(spec.get("destination"))
    values: dict[str, Any] = {col: _text(source.get(key)) for col, key in _SOURCE.items()}
    values.update({col: _text(destination.get(key)) for col, key in _DESTINATION.items()})
    automated = _mapping(spec.get("syncPolicy")).get("automated")
    values["sync_policy"] = (
        {"automated": {f: automated[f] for f in _FLAGS if isinstance(automated.get(f), bool)}}
        if isinstance(automated, Mapping)
        else None
    )
    return values


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
