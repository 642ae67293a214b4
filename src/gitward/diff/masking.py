"""Keep Secret values out of every diff: masked text, masked change values, masked objects.

A Secret's ``data`` and ``stringData`` values are replaced by runs of ``+``. Within one diff the
same value always gets the same mask and different values get masks of different lengths
(``++++++++``, ``++++++++++++``, ...), so an operator sees *that* a value changed, never *what*
it was. The ``last-applied-configuration`` annotation is parsed, masked the same way and
re-serialised (or masked whole when it does not parse), and managed-fields entries are dropped
from Secrets shown raw. Keys stay visible, as in Argo CD.

This module only masks; it must not be bypassed: the comparison masks its inputs before it
derives any output from them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterable
from typing import Any, Final

from gitward.model.objects import Manifest, api_group

__all__ = ["MASK", "Masker", "hide_secret_data", "is_secret", "secret_values"]

MASK: Final = "++++++++"
_STEP: Final = "++++"
_LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"


def is_secret(obj: Manifest | None) -> bool:
    """Whether ``obj`` is a core-group Secret."""
    return (
        isinstance(obj, dict)
        and obj.get("kind") == "Secret"
        and api_group(str(obj.get("apiVersion", ""))) == ""
    )


class Masker:
    """Masks for one diff: one per distinct value of each key, in the order first seen."""

    def __init__(self) -> None:
        self._masks: dict[tuple[str, str], str] = {}
        self._next: dict[str, str] = {}

    def mask(self, key: str, encoded: Any) -> str:
        """The mask of ``encoded`` (a base64 ``data`` value) under ``key``."""
        value = "" if encoded is None else str(encoded)
        known = self._masks.get((key, value))
        if known is None:
            known = self._next.get(key, MASK)
            self._next[key] = known + _STEP
            self._masks[(key, value)] = known
        return known

    def mask_data(self, obj: Manifest | None) -> Manifest | None:
        """A copy of Secret ``obj`` with its ``data`` and ``stringData`` values masked;
        any other object unchanged."""
        if obj is None or not is_secret(obj):
            return obj
        return self._mask_values(obj)

    def _mask_values(self, obj: Manifest) -> Manifest:
        masked = dict(obj)
        data = obj.get("data")
        if isinstance(data, dict):
            masked["data"] = {key: self.mask(key, value) for key, value in data.items()}
        string_data = obj.get("stringData")
        if isinstance(string_data, dict):
            masked["stringData"] = {
                key: self.mask(key, _encode(value)) for key, value in string_data.items()
            }
        return masked

    def mask_raw(self, obj: Manifest | None) -> Manifest | None:
        """:meth:`mask_data` plus the last-applied annotation, minus managed fields."""
        masked = self.mask_data(obj)
        if masked is None or not is_secret(masked):
            return masked
        metadata = masked.get("metadata")
        if not isinstance(metadata, dict):
            return masked
        metadata = {key: value for key, value in metadata.items() if key != "managedFields"}
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict) and _LAST_APPLIED in annotations:
            annotations = dict(annotations)
            annotations[_LAST_APPLIED] = self._mask_last_applied(annotations[_LAST_APPLIED])
            metadata["annotations"] = annotations
        masked["metadata"] = metadata
        return masked

    def _mask_last_applied(self, text: Any) -> str:
        try:
            recorded = json.loads(str(text))
        except ValueError:
            return MASK
        if not isinstance(recorded, dict):
            return MASK
        masked = self._mask_values(recorded)
        metadata = masked.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("annotations"), dict):
            annotations = dict(metadata["annotations"])
            annotations.pop(_LAST_APPLIED, None)
            masked["metadata"] = {**metadata, "annotations": annotations}
        return json.dumps(masked, sort_keys=True, separators=(",", ":"))


def _encode(value: Any) -> Any:
    return base64.b64encode(value.encode()).decode("ascii") if isinstance(value, str) else value


def hide_secret_data(
    desired: Manifest | None, live: Manifest | None
) -> tuple[Manifest | None, Manifest | None]:
    """Raw desired and live objects, masked for display with one shared set of masks
    (so a value equal on both sides shows the same mask)."""
    masker = Masker()
    return masker.mask_raw(desired), masker.mask_raw(live)


def secret_values(objects: Iterable[Manifest | None]) -> list[str]:
    """Every Secret value in ``objects`` as written and decoded, longest first: what must be
    scrubbed from free text (error messages) that could quote them."""
    found: set[str] = set()
    for obj in objects:
        if not is_secret(obj):
            continue
        assert obj is not None
        for field in ("data", "stringData"):
            values = obj.get(field)
            if isinstance(values, dict):
                for value in values.values():
                    found.update(_spellings(value))
    return sorted((value for value in found if value), key=len, reverse=True)


def _spellings(value: Any) -> list[str]:
    text = str(value)
    spellings = [text]
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        spellings.append(base64.b64decode(text, validate=True).decode())
    spellings.append(_encode(text))
    return spellings
