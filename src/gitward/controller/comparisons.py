"""Each app's last comparison, reused while nothing it was made from has changed.

A periodic refresh of an app that nothing touched compares the same desired objects with the
same live ones again: normalising both sides, diffing and judging health is about half of a
no-op refresh's CPU (~1 ms for ten objects). The comparison is a pure function of what it is
given, so it is kept per app with a fingerprint of its inputs and reused when the next refresh
brings the same: the app's document and the resource overrides in force (the same object; a
settings reload replaces it), a digest of the desired objects as rendered, and each live
object's key, uid and resourceVersion (the API server changes the version on every write,
so drift, a deletion or a controller's status update is a new fingerprint).

Nothing is reused when a live object has no resourceVersion to vouch for it, under
server-side diff (the API server's predictions), or on a hard refresh, which compares afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitward.controller.comparing import Compared, compare
from gitward.health import HealthCustomizations
from gitward.kube.tracking import Tracking
from gitward.model.application import Application
from gitward.model.objects import Manifest, ResourceKey, content_digest

__all__ = ["Comparisons"]

_LiveMark = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class _Inputs:
    document: str
    desired: str
    live: tuple[_LiveMark, ...]
    overrides: object
    tracking: Tracking


class Comparisons:
    """The controller's comparisons, each app's last one kept with its inputs' fingerprint."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[_Inputs, Compared]] = {}
        self.reused = 0
        """Comparisons answered from what was kept (for tests and benchmarks)."""

    def compare(
        self,
        document: Mapping[str, Any],
        app: Application,
        desired: Sequence[Manifest],
        live: Sequence[Manifest],
        tracking: Tracking,
        *,
        overrides: object,
        customizations: HealthCustomizations | None,
        predicted: Mapping[ResourceKey, Manifest] | None,
        fresh: bool,
    ) -> Compared:
        """:func:`~gitward.controller.comparing.compare`, or the kept result when
        ``document`` (the stored app), ``overrides``, ``desired`` and ``live`` are as they were."""
        inputs = None
        if not fresh and predicted is None:
            inputs = _inputs(document, desired, live, overrides, tracking)
        kept = self._last.get(app.name)
        if inputs is not None and kept is not None and kept[0] == inputs:
            self.reused += 1
            return kept[1]
        compared = compare(
            app, desired, live, tracking, customizations=customizations, predicted=predicted
        )
        if inputs is None:
            self._last.pop(app.name, None)
        else:
            self._last[app.name] = (inputs, compared)
        return compared

    def forget(self, app: str) -> None:
        """``app`` is gone: drop what is kept of it."""
        self._last.pop(app, None)


def _inputs(
    document: Mapping[str, Any],
    desired: Sequence[Manifest],
    live: Sequence[Manifest],
    overrides: object,
    tracking: Tracking,
) -> _Inputs | None:
    marks = []
    for obj in live:
        metadata = obj.get("metadata") or {}
        version = str(metadata.get("resourceVersion") or "")
        if not version:
            return None  # nothing vouches that this object is unchanged
        marks.append((str(ResourceKey.of(obj)), str(metadata.get("uid") or ""), version))
    return _Inputs(
        content_digest(document), content_digest(list(desired)), tuple(marks), overrides, tracking
    )
