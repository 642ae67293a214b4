"""What a sync did, as values: per-resource results and the operation's phase.

A result is recorded once a task has touched the cluster (or was decided without touching it,
such as a prune that is skipped), and it is what makes a sync re-entrant: a task with a result is
never run again by the same attempt. Everything here round-trips through plain JSON dicts, since
the controller stores the operation after every step. This module must not talk to a cluster.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, TypeVar

from gitward.errors import Location, ManifestError
from gitward.model.objects import ResourceKey

__all__ = [
    "OperationPhase",
    "ResourceResult",
    "ResultCode",
    "SyncPhase",
    "TaskStatus",
]


class SyncPhase(enum.StrEnum):
    """Argo CD's sync phases, in the order they run."""

    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"


class OperationPhase(enum.StrEnum):
    """Where a sync operation stands (Argo CD's names)."""

    RUNNING = "Running"
    TERMINATING = "Terminating"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    ERROR = "Error"

    @property
    def completed(self) -> bool:
        return self in (OperationPhase.SUCCEEDED, OperationPhase.FAILED, OperationPhase.ERROR)


class ResultCode(enum.StrEnum):
    """What happened to one resource."""

    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    PRUNED = "pruned"
    PRUNE_SKIPPED = "prune-skipped"
    FAILED = "failed"


class TaskStatus(enum.StrEnum):
    """Where one task stands: still ``running`` (applied, waiting to be healthy or for a hook to
    finish), ``deleting`` (waiting for an object gitward deleted to be gone), or done."""

    RUNNING = "running"
    DELETING = "deleting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)


@dataclass(frozen=True, slots=True)
class ResourceResult:
    """The recorded outcome of one task: one resource (or hook) in one sync phase.

    ``code`` is None only while a hook or replaced object waits for its old copy to be deleted.
    ``uid`` is the uid of the object the task created, or of the one it is deleting.
    ``finalizer``: the hook object still carries ``argocd.argoproj.io/hook-finalizer``, so
    Kubernetes cannot delete it before this result is stored; a later step removes it.
    """

    key: ResourceKey
    phase: SyncPhase
    wave: int
    status: TaskStatus
    code: ResultCode | None
    message: str = ""
    hook: bool = False
    api_version: str = ""
    uid: str = ""
    order: int = 0
    finalizer: bool = False

    @property
    def task_id(self) -> tuple[SyncPhase, ResourceKey]:
        return (self.phase, self.key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.key.group,
            "kind": self.key.kind,
            "namespace": self.key.namespace,
            "name": self.key.name,
            "phase": self.phase.value,
            "wave": self.wave,
            "status": self.status.value,
            "code": self.code.value if self.code else None,
            "message": self.message,
            "hook": self.hook,
            "apiVersion": self.api_version,
            "uid": self.uid,
            "order": self.order,
            "hookFinalizer": self.finalizer,
        }

    @classmethod
    def from_dict(cls, data: Any, where: Location) -> ResourceResult:
        """Read a stored result; raises :class:`ManifestError` naming the field that is wrong."""
        if not isinstance(data, dict):
            raise ManifestError("a result is not a mapping", where=where, hint=_STORED_HINT)
        code = data.get("code")
        return cls(
            key=ResourceKey(
                _text(data, "group", where),
                _text(data, "kind", where),
                _text(data, "namespace", where),
                _text(data, "name", where),
            ),
            phase=_enum(SyncPhase, data.get("phase"), where.at(f"{where.field}.phase")),
            wave=_integer(data, "wave", where),
            status=_enum(TaskStatus, data.get("status"), where.at(f"{where.field}.status")),
            code=None if code is None else _enum(ResultCode, code, where.at(f"{where.field}.code")),
            message=_text(data, "message", where),
            hook=bool(data.get("hook", False)),
            api_version=_text(data, "apiVersion", where),
            uid=_text(data, "uid", where),
            order=_integer(data, "order", where),
            finalizer=data.get("hookFinalizer") is True,
        )


_E = TypeVar("_E", bound=enum.StrEnum)

_STORED_HINT = "The stored sync operation is damaged: start a new sync"


def _text(data: dict[str, Any], name: str, where: Location) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ManifestError(
            f"{name} is not a string", where=where.at(f"{where.field}.{name}"), hint=_STORED_HINT
        )
    return value


def _integer(data: dict[str, Any], name: str, where: Location) -> int:
    value = data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ManifestError(
            f"{name} is not an integer", where=where.at(f"{where.field}.{name}"), hint=_STORED_HINT
        )
    return value


def _enum(kind: type[_E], value: Any, where: Location) -> _E:
    for member in kind:
        if member.value == value:
            return member
    allowed = ", ".join(member.value for member in kind)
    raise ManifestError(f"{value!r} is not one of {allowed}", where=where, hint=_STORED_HINT)
