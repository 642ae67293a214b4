"""Kubernetes objects as plain dicts, and the key that identifies one.

gitward keeps manifests as the JSON-shaped dicts the API speaks (``Manifest``) and identifies
them by ``ResourceKey`` (group, kind, namespace, name), as Argo CD's gitops-engine does. The
tracking id that marks an object as an app's is built and parsed here too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FIELD_MANAGER",
    "Manifest",
    "ResourceKey",
    "api_group",
    "content_digest",
    "tracking_id",
]

Manifest = dict[str, Any]

FIELD_MANAGER = "gitward"
"""The field manager name gitward applies with (server-side apply). The fields it owns in a
live object's ``managedFields`` are the record of what gitward applied last."""


def api_group(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rpartition("/")[0]


@dataclass(frozen=True, slots=True, order=True)
class ResourceKey:
    """What makes an object itself: its group, kind, namespace and name (never its version)."""

    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, manifest: Manifest) -> ResourceKey:
        metadata = manifest.get("metadata") or {}
        return cls(
            group=api_group(str(manifest.get("apiVersion", ""))),
            kind=str(manifest.get("kind", "")),
            namespace=str(metadata.get("namespace") or ""),
            name=str(metadata.get("name") or metadata.get("generateName") or ""),
        )

    @property
    def group_kind(self) -> str:
        return f"{self.group}/{self.kind}" if self.group else self.kind

    def __str__(self) -> str:
        scope = f"{self.namespace}/" if self.namespace else ""
        return f"{self.group_kind} {scope}{self.name}"


def tracking_id(app_name: str, key: ResourceKey) -> str:
    """Argo CD 3's annotation value: ``<app>:<group>/<kind>:<namespace>/<name>``."""
    return f"{app_name}:{key.group}/{key.kind}:{key.namespace}/{key.name}"


def content_digest(value: object) -> str:
    """A digest of a JSON-like value that is the same for equal values, whatever their keys'
    order: what was applied, what was compared."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
