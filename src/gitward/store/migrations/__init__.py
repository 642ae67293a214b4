"""Alembic's environment and the store's schema revisions (``versions/``), shipped in the package.

``gitward.store.migrating`` runs them when a store opens. To add a revision, copy the newest file
under ``versions/``, give it the next number as ``revision`` and the newest as ``down_revision``,
and write its ``upgrade()`` by hand for both SQLite (batch mode for ALTERs) and PostgreSQL.
"""
