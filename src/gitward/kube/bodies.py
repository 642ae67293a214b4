"""What a manifest must carry before it is sent, and the bodies gitward sends besides it.

A manifest without ``apiVersion``, ``kind``, a name, or a namespace for a namespaced kind is
refused here with an :class:`InvalidError` naming the missing fields, before any request, in
the same shape the API server would use. A cluster-scoped object loses a stray
``metadata.namespace`` (as kubectl and Argo CD drop it). This module must not send requests.
"""

from __future__ import annotations

from typing import Any, Literal

from gitward.errors import InvalidError, Location
from gitward.model.objects import Manifest

__all__ = [
    "PATCH_CONTENT_TYPES",
    "PatchType",
    "delete_options",
    "metadata_of",
    "require",
    "without_namespace",
]

PatchType = Literal["merge", "strategic", "json"]
PATCH_CONTENT_TYPES: dict[PatchType, str] = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}


def metadata_of(manifest: Manifest) -> dict[str, Any]:
    """``metadata`` when it is a mapping, else an empty one (the API reports it missing)."""
    metadata = manifest.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def require(where: Location, **fields: Any) -> None:
    """Refuse the manifest unless every field given is a non-empty string."""
    missing = tuple(
        (name, "Required value" if not value else "Invalid value: must be a string")
        for name, value in fields.items()
        if not (value and isinstance(value, str))
    )
    if missing:
        names = ", ".join(name for name, _ in missing)
        raise InvalidError(
            f"the manifest has no usable {names}",
            causes=missing,
            where=where.at(missing[0][0]),
            hint="Set the field in the manifest; gitward does not guess it",
        )


def without_namespace(manifest: Manifest) -> Manifest:
    """``manifest`` without ``metadata.namespace`` (a copy only when there is one)."""
    metadata = metadata_of(manifest)
    if "namespace" not in metadata:
        return manifest
    return {**manifest, "metadata": {k: v for k, v in metadata.items() if k != "namespace"}}


def delete_options(
    *,
    propagation: str | None,
    uid: str | None,
    resource_version: str | None,
    dry_run: bool,
) -> dict[str, Any]:
    """A ``DeleteOptions`` body: propagation policy, uid/resourceVersion preconditions."""
    options: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
    if propagation:
        options["propagationPolicy"] = propagation
    preconditions = {"uid": uid, "resourceVersion": resource_version}
    if any(preconditions.values()):
        options["preconditions"] = {k: v for k, v in preconditions.items() if v}
    if dry_run:
        options["dryRun"] = ["All"]
    return options
