"""Alembic's environment for the store: migrate the connection the store hands over.

``gitward.store.migrating`` passes an open connection, already inside the transaction that the
whole upgrade runs in, as ``config.attributes["connection"]``. Run from the ``alembic`` command
line instead (``-x url=sqlite:///path``), it opens that database itself. It never creates tables
from the ORM metadata: the revisions under ``versions/`` do.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from gitward.store.tables import Base


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    handed = context.config.attributes.get("connection")
    if isinstance(handed, Connection):
        _migrate(handed)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database as: alembic -x url=sqlite:///path/to/gitward.db ...")
    engine = create_engine(url)
    with engine.begin() as connection:
        _migrate(connection)
    engine.dispose()


_run()
