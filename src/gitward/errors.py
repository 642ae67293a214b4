"""The exception tree of gitward.

Every failure a user can cause or meet is one of these, and its message names *where* (the file,
the object, the field) and says *what to do*. The kind of error decides what the controller does:
a configuration error stalls until the input changes; a transient error retries with backoff.
Nothing here logs; callers decide. Messages never carry credentials (see ``gitward.redaction``).

::

    GitwardError
    ├── ConfigError                 the input is wrong; retrying will not help
    │   ├── ManifestError           an Application, AppProject or manifest is malformed
    │   ├── PathEscapeError         a path leaves the repository (../, absolute, symlink)
    │   ├── SourceError             a chart, directory or value file is missing or unreadable
    │   ├── RenderError             a template failed; names the template file and line
    │   ├── RevisionNotFoundError   the targetRevision names no branch, tag or commit
    │   └── CycleError              applications include each other in a loop
    ├── TransientError              the world is briefly wrong; retry with backoff
    │   ├── GitUnavailableError     the remote could not be reached
    │   ├── ChartUnavailableError   a chart repository or OCI registry could not be reached
    │   └── ToolUnavailableError    a required external program is missing (kustomize)
    ├── KubeError                   a Kubernetes API server refused or failed a request
    │   ├── NotFoundError           the object does not exist (404)
    │   │   └── UnknownKindError    the cluster serves no such kind (CRD not installed)
    │   ├── ConflictError           a field manager conflict, stale resourceVersion or failed
    │   │                           delete precondition (409)
    │   ├── ForbiddenError          RBAC denied the request (403) or credentials were rejected (401)
    │   ├── ExpiredError            a watch or list resourceVersion is too old (410): relist
    │   ├── InvalidError *          the API rejected the object (422); ``causes`` per field
    │   ├── ClusterConfigError *    the cluster's address or credentials are unusable or unsafe
    │   └── ClusterUnavailableError †  5xx, 429, refused connection, timeout; ``retry_after``
    ├── StoreError                  the store refused or failed (defined in gitward.store.failures)
    │   ├── StaleWriteError †       another writer changed the record first
    │   ├── OperationRunningError † the app already has a live operation
    │   ├── RecordNotFoundError     no such record
    │   ├── RecordInUseError *      a project that apps still use
    │   ├── StoreConfigError *      a bad URL, a wrong or malformed secret key, a newer schema
    │   └── StoreUnavailableError † the database could not be reached
    ├── SyncWindowError             a sync window of the app's project forbids the sync now
    └── UsageError                  the command line is wrong (CLI exit code 2)

    * also a ConfigError (stalls until the input changes); † also a TransientError (retries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "ChartUnavailableError",
    "ClusterConfigError",
    "ClusterUnavailableError",
    "ConfigError",
    "ConflictError",
    "CycleError",
    "ExpiredError",
    "ForbiddenError",
    "GitUnavailableError",
    "GitwardError",
    "InvalidError",
    "KubeError",
    "Location",
    "ManifestError",
    "NotFoundError",
    "PathEscapeError",
    "RenderError",
    "RevisionNotFoundError",
    "SourceError",
    "SyncWindowError",
    "ToolUnavailableError",
    "TransientError",
    "UnknownKindError",
    "UsageError",
]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: any of a file, an object ("Application ai-chatbot-dev") and a field
    path ("spec.source.helm.valueFiles[0]")."""

    file: str | None = None
    obj: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.obj, self.field) if part)

    def at(self, field: str) -> Location:
        """The same file and object, another field."""
        return Location(self.file, self.obj, field)


class GitwardError(Exception):
    """Base of every error gitward raises on purpose.

    ``problem`` says what is wrong, ``hint`` what to do about it, ``where`` where it is.
    """

    def __init__(self, problem: str, *, where: Location | None = None, hint: str = "") -> None:
        self.problem = problem
        self.where = where or Location()
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line for an operator: where, what, what to do."""
        prefix = str(self.where)
        text = f"{prefix}: {self.problem}" if prefix else self.problem
        return f"{text}. {self.hint}" if self.hint else text


class ConfigError(GitwardError):
    """The configuration is wrong: nothing changes until the input does."""


class ManifestError(ConfigError):
    """An Application, AppProject or Kubernetes manifest is malformed."""


class PathEscapeError(ConfigError):
    """A path would leave the repository it belongs to."""


class SourceError(ConfigError):
    """A chart, directory or value file named by a source is missing or unreadable."""


class RenderError(ConfigError):
    """A template or manifest failed to render."""


class RevisionNotFoundError(ConfigError):
    """The targetRevision names no branch, tag or commit of the repository."""


class CycleError(ConfigError):
    """Applications include each other in a loop."""


class TransientError(GitwardError):
    """A passing failure: retry with backoff."""


class GitUnavailableError(TransientError):
    """The git remote could not be reached or answered with an error."""


class ChartUnavailableError(TransientError):
    """A Helm chart repository or OCI registry could not be reached or answered an error."""


class ToolUnavailableError(TransientError):
    """An external program that a source needs (kustomize, kubectl) is not installed."""


class KubeError(GitwardError):
    """A Kubernetes API server refused or failed a request; the message names the object and
    the cluster, never a credential."""


class NotFoundError(KubeError):
    """The object does not exist (404)."""


class UnknownKindError(NotFoundError):
    """The cluster serves no resource of this group, version and kind (a CRD is missing)."""


class ConflictError(KubeError):
    """A field another manager owns, a stale resourceVersion or a failed precondition (409)."""


class ForbiddenError(KubeError):
    """RBAC denied the request (403), or the cluster rejected the credentials (401)."""


class ExpiredError(KubeError):
    """The resourceVersion a watch or list continued from is too old (410 Gone): list again."""


class InvalidError(KubeError, ConfigError):
    """The API server rejected the object as invalid (422).

    ``causes`` holds the API's field causes as ``(field, message)`` pairs.
    """

    def __init__(
        self,
        problem: str,
        *,
        causes: tuple[tuple[str, str], ...] = (),
        where: Location | None = None,
        hint: str = "",
    ) -> None:
        self.causes = causes
        super().__init__(problem, where=where, hint=hint)


class ClusterConfigError(KubeError, ConfigError):
    """A cluster's address or credentials are missing, malformed or refused as unsafe (a
    kubeconfig that would run a program)."""


class ClusterUnavailableError(KubeError, TransientError):
    """The cluster could not answer: 5xx, 429, refused connection, timeout.

    ``retry_after`` is the delay in seconds the server asked for, when it asked.
    """

    def __init__(
        self,
        problem: str,
        *,
        retry_after: float | None = None,
        where: Location | None = None,
        hint: str = "",
    ) -> None:
        self.retry_after = retry_after
        super().__init__(problem, where=where, hint=hint)


class SyncWindowError(GitwardError):
    """A sync window of the app's project forbids the sync now (neither a configuration error:
    the same request passes later, nor a transient one: retrying at once does not help).

    ``until`` is when a sync may start, when that is known.
    """

    def __init__(
        self,
        problem: str,
        *,
        until: datetime | None = None,
        where: Location | None = None,
        hint: str = "",
    ) -> None:
        self.until = until
        super().__init__(problem, where=where, hint=hint)


class UsageError(GitwardError):
    """The command line asks for something that cannot be done."""
