"""The store's own errors, each a :class:`gitward.errors.GitwardError`.

They sit under the error tree's branches so callers decide retries by the usual kinds: a stale
write or a database that briefly refuses is transient; a bad URL, a wrong secret key or a value the
database cannot hold is a configuration error. Messages name the record and never a credential
(database URLs are shown with their password masked).

::

    GitwardError
    └── StoreError                   the store refused or failed a request
        ├── StaleWriteError †        the record changed since it was read (version mismatch)
        ├── OperationRunningError †  the app already has a running operation
        ├── RecordNotFoundError      the record named does not exist
        ├── RecordInUseError *       deleting it would orphan others (a project with apps)
        ├── StoreConfigError *       bad URL, unusable secret key, bad value, newer schema
        └── StoreUnavailableError †  the database could not be reached, or stayed locked

    * also a ConfigError; † also a TransientError.
"""

from __future__ import annotations

from gitward.errors import ConfigError, GitwardError, TransientError

__all__ = [
    "OperationRunningError",
    "RecordInUseError",
    "RecordNotFoundError",
    "StaleWriteError",
    "StoreConfigError",
    "StoreError",
    "StoreUnavailableError",
]


class StoreError(GitwardError):
    """The store refused or failed a request."""


class StaleWriteError(StoreError, TransientError):
    """The record's version is not the one the caller read: read it again, then retry."""


class OperationRunningError(StoreError, TransientError):
    """The application already has a running operation: wait for it or terminate it."""


class RecordNotFoundError(StoreError):
    """The application, project, repository, cluster or operation named does not exist."""


class RecordInUseError(StoreError, ConfigError):
    """The record is still referenced (a project that applications belong to)."""


class StoreConfigError(StoreError, ConfigError):
    """The store's configuration or an input value is unusable."""


class StoreUnavailableError(StoreError, TransientError):
    """The database could not be reached, or stayed locked past the busy timeout."""
