"""Which Application an object belongs to, marked the way Argo CD 3 marks it.

The default mark is the annotation ``argocd.argoproj.io/tracking-id:
<app>:<group>/<kind>:<namespace>/<name>``. Because the value repeats the object's own identity,
a mark copied onto another object (a Secret cloned by a tool, a ConfigMap copied by hand) does
not match its bearer: such a copy belongs to no app, is never adopted and never pruned. Old
setups track by the label ``app.kubernetes.io/instance: <app>`` instead, where copies cannot be
told apart. This module must not talk to a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gitward.model.annotations import TRACKING_ID, TRACKING_LABEL
from gitward.model.objects import Manifest, ResourceKey, api_group, tracking_id

__all__ = [
    "DEFAULT_TRACKING",
    "LABEL_MAX_LENGTH",
    "Tracking",
    "TrackingId",
    "TrackingMethod",
    "is_copy",
    "owning_app",
    "stamp",
]

TrackingMethod = Literal["annotation", "label", "annotation+label"]
LABEL_MAX_LENGTH = 63


@dataclass(frozen=True, slots=True)
class Tracking:
    """Argo CD's ``application.resourceTrackingMethod`` and the keys it writes."""

    method: TrackingMethod = "annotation"
    annotation_key: str = TRACKING_ID
    label_key: str = TRACKING_LABEL


DEFAULT_TRACKING = Tracking()


@dataclass(frozen=True, slots=True)
class TrackingId:
    """A parsed tracking-id annotation value."""

    app: str
    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def parse(cls, text: str) -> TrackingId | None:
        """``app:group/kind:namespace/name`` -> its parts; None when it is not one."""
        parts = text.split(":")
        if len(parts) != 3 or not parts[0]:
            return None
        group, slash, kind = parts[1].partition("/")
        namespace, slash2, name = parts[2].partition("/")
        if not (slash and slash2 and kind and name):
            return None
        return cls(parts[0], group, kind, namespace, name)

    def matches(self, obj: Manifest) -> bool:
        """Whether this id names ``obj`` itself (not an object it was copied from).

        As Argo CD: a cluster-scoped object may carry any namespace in its id.
        """
        metadata = obj.get("metadata") or {}
        namespace = str(metadata.get("namespace") or "")
        return (
            (namespace in ("", self.namespace))
            and str(metadata.get("name") or "") == self.name
            and api_group(str(obj.get("apiVersion") or "")) == self.group
            and str(obj.get("kind") or "") == self.kind
        )

    def __str__(self) -> str:
        return f"{self.app}:{self.group}/{self.kind}:{self.namespace}/{self.name}"


def stamp(desired: Manifest, app_name: str, tracking: Tracking = DEFAULT_TRACKING) -> Manifest:
    """A copy of ``desired`` marked as ``app_name``'s; ``desired`` itself is not changed."""
    metadata = dict(desired.get("metadata") or {})
    if tracking.method in ("annotation", "annotation+label"):
        value = tracking_id(app_name, ResourceKey.of(desired))
        metadata["annotations"] = {
            **(metadata.get("annotations") or {}),
            tracking.annotation_key: value,
        }
    if tracking.method in ("label", "annotation+label"):
        label = app_name if tracking.method == "label" else app_name[:LABEL_MAX_LENGTH]
        metadata["labels"] = {**(metadata.get("labels") or {}), tracking.label_key: label}
    return {**desired, "metadata": metadata}


def owning_app(live: Manifest, tracking: Tracking = DEFAULT_TRACKING) -> str | None:
    """The app that ``live`` belongs to, or None: unmarked, malformed mark, or a copy."""
    metadata = live.get("metadata") or {}
    if tracking.method == "label":
        value = (metadata.get("labels") or {}).get(tracking.label_key)
        return str(value) if value else None
    found = _annotation_id(live, tracking)
    return found.app if found is not None and found.matches(live) else None


def is_copy(live: Manifest, tracking: Tracking = DEFAULT_TRACKING) -> bool:
    """Whether ``live`` carries a tracking id that names another object."""
    if tracking.method == "label":
        return False
    found = _annotation_id(live, tracking)
    return found is not None and not found.matches(live)


def _annotation_id(live: Manifest, tracking: Tracking) -> TrackingId | None:
    value = ((live.get("metadata") or {}).get("annotations") or {}).get(tracking.annotation_key)
    return TrackingId.parse(value) if isinstance(value, str) else None
