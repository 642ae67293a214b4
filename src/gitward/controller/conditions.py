"""An app's conditions: what is wrong with it, one entry per kind, as Argo CD names them.

Each refresh step sets only its own conditions; a condition that stays the same keeps the time
it first appeared (``lastTransitionTime``). Messages are scrubbed of credentials before they are
stored. It must not decide anything: steps say what they found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from gitward.redaction import redact

__all__ = [
    "COMPARISON_ERROR",
    "EXCLUDED_RESOURCE_WARNING",
    "INVALID_SPEC_ERROR",
    "ORPHANED_RESOURCE_WARNING",
    "REPEATED_RESOURCE_WARNING",
    "SHARED_RESOURCE_WARNING",
    "SPEC_WARNING",
    "SYNC_ERROR",
    "SYNC_WINDOW_BLOCKED",
    "Conditions",
]

COMPARISON_ERROR = "ComparisonError"
"""Git or the cluster could not be read, or the manifests could not be rendered or compared."""
INVALID_SPEC_ERROR = "InvalidSpecError"
"""The Application itself is wrong: unreadable, or not allowed by its project or cluster."""
SYNC_ERROR = "SyncError"
"""An automated sync did not happen or failed."""
SYNC_WINDOW_BLOCKED = "SyncWindowBlocked"
"""A sync window of the app's project holds an automated sync that would start now; the
message names the window and when a sync may start. Not an error nor a warning: the freeze is
meant (gitward's own kind; Argo CD only logs "Sync prevented by sync window")."""
ORPHANED_RESOURCE_WARNING = "OrphanedResourceWarning"
EXCLUDED_RESOURCE_WARNING = "ExcludedResourceWarning"
"""Git declares objects of a kind ``resource.exclusions``/``inclusions`` leave out: they are
neither compared nor applied (as in Argo CD)."""
REPEATED_RESOURCE_WARNING = "RepeatedResourceWarning"
"""The app's sources declare one object more than once; the last declaration is compared and
applied (as in Argo CD)."""
SHARED_RESOURCE_WARNING = "SharedResourceWarning"
SPEC_WARNING = "SpecWarning"
"""The app asks for something gitward reads differently from Argo CD or does not do: a field it
does not know or support (named with its path), the strategy document's ``syncPolicy.manual``,
or what rendering skipped. gitward's own kind (a Kubernetes API server would refuse or prune an
unknown field before Argo CD saw it); named like Argo CD's warnings, so it shows as one."""

_LIMIT = 2000


class Conditions:
    """The conditions being set by one refresh, remembering the previous ones' times."""

    def __init__(self, previous: Iterable[Mapping[str, Any]], now: datetime) -> None:
        self._previous = {str(c.get("type")): dict(c) for c in previous}
        self._now = now
        self._current: dict[str, dict[str, Any]] = {}

    def set(self, kind: str, message: str) -> None:
        text = redact(message)
        if len(text) > _LIMIT:
            text = f"{text[:_LIMIT]}…"
        old = self._previous.get(kind)
        since = old.get("lastTransitionTime") if old and old.get("message") == text else None
        self._current[kind] = {
            "type": kind,
            "message": text,
            "lastTransitionTime": since or self._now.isoformat(),
        }

    def keep(self, *, besides: str) -> None:
        """Carry the previous conditions over, except ``besides`` (which is set afresh)."""
        for kind, condition in self._previous.items():
            if kind != besides and kind not in self._current:
                self._current[kind] = condition

    def has(self, kind: str) -> bool:
        return kind in self._current

    def result(self) -> tuple[dict[str, Any], ...]:
        return tuple(self._current[kind] for kind in sorted(self._current))
