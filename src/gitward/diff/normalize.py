"""Bring desired, live and last-applied objects to one shape before they are compared.

Two spellings of the same state must compare equal: ``cpu: 1000m`` and ``cpu: "1"``,
``targetPort: "80"`` and ``targetPort: 80``, a Secret's ``stringData`` and its base64 ``data``,
an empty map and no map. Fields the server owns (``uid``, ``resourceVersion``,
``managedFields``, ``status``...) are not state Git declares and are dropped; so is the
``last-applied-configuration`` annotation, which is a record of the past, not state.

Everything here returns new objects and never changes its input. It must not decide what is
drift (that is :mod:`gitward.diff.compare`) nor hide secrets (:mod:`gitward.diff.masking`).
"""

from __future__ import annotations

import base64
from typing import Any, Final

from gitward.diff import defaults
from gitward.diff.quantities import canonical_quantity
from gitward.model.objects import Manifest, api_group

__all__ = [
    "LAST_APPLIED",
    "SERVER_METADATA",
    "clean",
    "normalize",
    "prune_live_defaults",
    "secret_data",
]

LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"

SERVER_METADATA: Final = frozenset(
    {
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "namespace",  # identity, matched by key already; config often omits it
    }
)
"""Metadata the API server writes, or that identifies rather than describes an object."""

_INT_OR_STRING: Final = frozenset(
    {
        "targetPort",
        "port",
        "containerPort",
        "nodePort",
        "hostPort",
        "number",
        "maxSurge",
        "maxUnavailable",
        "minAvailable",
        "partition",
    }
)
_QUANTITY_MAPS: Final[dict[str, frozenset[str | None]]] = {
    # map key -> the keys of its parent under which its values are quantities
    "requests": frozenset({"resources"}),
    "limits": frozenset({"resources"}),
    "hard": frozenset({"spec"}),
    "capacity": frozenset({"spec"}),
    "overhead": frozenset({"spec"}),
    "max": frozenset({"limits"}),
    "min": frozenset({"limits"}),
    "default": frozenset({"limits"}),
    "defaultRequest": frozenset({"limits"}),
    "maxLimitRequestRatio": frozenset({"limits"}),
}
_QUANTITY_SCALARS: Final[dict[str, frozenset[str | None]]] = {
    "sizeLimit": frozenset({"emptyDir"}),
    "averageValue": frozenset({"target", "current"}),
    "value": frozenset({"target", "current"}),
}

_EMPTY: Final = object()


def normalize(obj: Manifest) -> Manifest:
    """A normalised copy of ``obj``: server fields, ``status`` and empty values dropped,
    quantities and int-or-string ports in one spelling, a Secret's ``stringData`` in ``data``."""
    top = {key: value for key, value in obj.items() if key != "status"}
    metadata = top.get("metadata")
    if isinstance(metadata, dict):
        top["metadata"] = _metadata(metadata)
    if api_group(str(obj.get("apiVersion", ""))) == "" and obj.get("kind") == "Secret":
        data = secret_data(obj)
        top.pop("stringData", None)
        if data is not None:
            top["data"] = data
    cleaned = clean(top)
    return cleaned if isinstance(cleaned, dict) else {}


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in metadata.items() if key not in SERVER_METADATA}
    annotations = kept.get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        kept["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
    return kept


def secret_data(secret: Manifest) -> dict[str, Any] | None:
    """A Secret's ``data`` with its ``stringData`` folded in as base64 (``stringData`` wins, as
    on the server); a null value reads as an empty one. None when it has neither."""
    data = secret.get("data")
    string_data = secret.get("stringData")
    if not isinstance(data, dict) and not isinstance(string_data, dict):
        return None
    written = data if isinstance(data, dict) else {}
    merged = {key: "" if value is None else value for key, value in written.items()}
    if isinstance(string_data, dict):
        for key, value in string_data.items():
            merged[key] = _base64(value) if isinstance(value, str) else value
    return merged


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def clean(value: Any, key: str | None = None, parent: str | None = None) -> Any:
    """A copy of ``value`` without nulls, empty maps or empty lists (a list keeps its
    elements, even empty ones), with quantities and int-or-string ports canonical.

    ``key`` and ``parent`` are the map keys ``value`` sits under; they say which scalars are
    quantities. Returns an empty map for a value that cleans away entirely at the root.
    """
    result = _clean(value, key, parent)
    return {} if result is _EMPTY else result


def _clean(value: Any, key: str | None, parent: str | None) -> Any:
    if isinstance(value, dict):
        quantities = key in _QUANTITY_MAPS and parent in _QUANTITY_MAPS[key]
        out: dict[str, Any] = {}
        for child_key, child in value.items():
            cleaned = _clean(child, child_key, key)
            if cleaned is _EMPTY:
                continue
            out[child_key] = canonical_quantity(cleaned) if quantities else cleaned
        return out or _EMPTY
    if isinstance(value, list):
        items = [_clean(item, key, parent) for item in value]
        return [{} if item is _EMPTY else item for item in items] or _EMPTY
    if value is None:
        return _EMPTY
    return _scalar(value, key, parent)


def _scalar(value: Any, key: str | None, parent: str | None) -> Any:
    if key in _INT_OR_STRING and isinstance(value, str) and value.isdigit():
        return int(value)
    if key in _QUANTITY_SCALARS and parent in _QUANTITY_SCALARS[key]:
        return canonical_quantity(value)
    return value


def prune_live_defaults(live: Manifest, desired: Manifest | None) -> None:
    """Drop from normalised ``live``, in place, server defaults that ``desired`` does not set,
    and the owner references a controller added; then empty maps left behind."""
    metadata = live.get("metadata")
    desired_metadata = (desired or {}).get("metadata")
    if isinstance(metadata, dict) and not (
        isinstance(desired_metadata, dict) and "ownerReferences" in desired_metadata
    ):
        metadata.pop("ownerReferences", None)
    defaults.prune_defaults(live, desired, api_group(str(live.get("apiVersion", ""))))
    cleaned = clean(live)
    live.clear()
    live.update(cleaned)
