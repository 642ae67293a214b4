"""The store: the only part of gitward that keeps state in a database.

Applications and AppProjects as written with the status the controller computed, repositories and
clusters with their credentials encrypted at rest, the re-entrant sync step's operations, each
app's deployment history, an append-only audit log, and local accounts with what authentication
keeps (API token ids, the sealed signing key, login rate-limit buckets: ``gitward.store.accounts``).
SQLite (a file, WAL, one writer) by default, PostgreSQL by URL; the schema is made and upgraded
by the Alembic revisions shipped in ``migrations/`` whenever a store opens.

Callers see frozen records (``records``), never ORM rows (``tables``); no read returns a secret
except the explicit ``credentials_for``. This package must not import anything above the data
layer (model, settings, errors, redaction) and must not log credentials.
"""

from gitward.store.apps import LabelSelector
from gitward.store.appsets import AppSetRecord
from gitward.store.failures import (
    OperationRunningError,
    RecordInUseError,
    RecordNotFoundError,
    StaleWriteError,
    StoreConfigError,
    StoreError,
    StoreUnavailableError,
)
from gitward.store.records import (
    AppDefinition,
    AppRecord,
    AppStatus,
    AppSummary,
    AuditAction,
    AuditEntry,
    ClusterDefinition,
    ClusterRecord,
    Credentials,
    HistoryEntry,
    OperationPhase,
    OperationRecord,
    ProjectDefinition,
    ProjectRecord,
    RepoDefinition,
    RepoRecord,
)
from gitward.store.sealing import SECRET_KEY_VARIABLE
from gitward.store.store import Clock, Store, Transaction

__all__ = [
    "SECRET_KEY_VARIABLE",
    "AppDefinition",
    "AppRecord",
    "AppSetRecord",
    "AppStatus",
    "AppSummary",
    "AuditAction",
    "AuditEntry",
    "Clock",
    "ClusterDefinition",
    "ClusterRecord",
    "Credentials",
    "HistoryEntry",
    "LabelSelector",
    "OperationPhase",
    "OperationRecord",
    "OperationRunningError",
    "ProjectDefinition",
    "ProjectRecord",
    "RecordInUseError",
    "RecordNotFoundError",
    "RepoDefinition",
    "RepoRecord",
    "StaleWriteError",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailableError",
    "Transaction",
]
