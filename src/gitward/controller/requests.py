"""What the controller stores as an operation's request, and reads back to decide the next one.

The sync engine's :class:`~gitward.sync.SyncRequest` says what one sync does; the controller
adds what it needs around it: the commit of every source (a multi-source app has several), the
targetRevisions as written (for history), the sources themselves when they are not the app's
own (a rollback deploys the sources recorded in history), a fingerprint of the sources (an
automated sync runs once per revision and source), who or what started it, and how many
selfHeal corrections of the same revision came before. It round-trips through plain JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gitward.errors import Location, ManifestError
from gitward.model.application import Application
from gitward.store import OperationRecord
from gitward.sync import SyncRequest

__all__ = ["OperationKind", "OperationRequest", "fingerprint"]

OperationKind = Literal["sync", "rollback"]
_HINT = "The stored operation is damaged: terminate it and start a new sync"


def fingerprint(app: Application) -> str:
    """A short stable digest of every field of the app's sources."""
    text = "\n".join(source.fingerprint() for source in app.sources)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class OperationRequest:
    """An operation as the controller asked for it."""

    sync: SyncRequest
    revisions: tuple[str, ...]
    target_revisions: tuple[str, ...] = ()
    sources: Mapping[str, Any] | None = None
    """``{"source": {...}}`` or ``{"sources": [...]}`` to deploy instead of the app's own."""
    fingerprint: str = ""
    automated: bool = False
    self_heal_attempts: int = 0
    kind: OperationKind = "sync"
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.sync.to_dict(),
            "revisions": list(self.revisions),
            "targetRevisions": list(self.target_revisions),
            "sources": dict(self.sources) if self.sources is not None else None,
            "fingerprint": self.fingerprint,
            "automated": self.automated,
            "selfHealAttempts": self.self_heal_attempts,
            "kind": self.kind,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: Location) -> OperationRequest:
        sync = SyncRequest.from_dict(dict(data), where)
        revisions = _texts(data.get("revisions"), where.at("revisions"))
        kind = data.get("kind", "sync")
        sources = data.get("sources")
        if kind not in ("sync", "rollback") or not (sources is None or isinstance(sources, dict)):
            raise ManifestError("kind or sources is malformed", where=where, hint=_HINT)
        attempts = data.get("selfHealAttempts", 0)
        return cls(
            sync=sync,
            revisions=revisions or ((sync.revision,) if sync.revision else ()),
            target_revisions=_texts(data.get("targetRevisions"), where.at("targetRevisions")),
            sources=sources,
            fingerprint=str(data.get("fingerprint") or ""),
            automated=data.get("automated") is True,
            self_heal_attempts=attempts if isinstance(attempts, int) else 0,
            kind="rollback" if kind == "rollback" else "sync",
            reason=str(data.get("reason") or ""),
        )

    @classmethod
    def of(cls, record: OperationRecord) -> OperationRequest:
        where = Location(obj=f"Application {record.app}", field=f"operation {record.id}")
        return cls.from_dict(record.request, where)


def _texts(value: Any, where: Location) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError("expected a list of strings", where=where, hint=_HINT)
    return tuple(value)
