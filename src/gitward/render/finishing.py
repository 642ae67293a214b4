"""The last steps every render takes, whatever generated the objects.

Namespaced objects without ``metadata.namespace`` get the destination namespace (as Argo CD sets
it before applying); cluster-scoped ones keep none. A kind counts as cluster-scoped when it is a
built-in one, when the caller says so, or when a CustomResourceDefinition of the same render
declares ``scope: Cluster``. Then no object may appear twice: the same ResourceKey from two
templates or files is an error naming both places.
It must not read files or run generators.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from gitward.errors import Location, ManifestError
from gitward.model import kinds
from gitward.model.objects import ResourceKey, api_group
from gitward.render.manifests import Sourced

__all__ = ["check_unique", "cluster_scoped_by_crds", "default_namespaces"]


def cluster_scoped_by_crds(objects: Sequence[Sourced]) -> set[kinds.GroupKind]:
    """``(group, kind)`` of every CustomResourceDefinition here whose scope is Cluster."""
    found: set[kinds.GroupKind] = set()
    for item in objects:
        manifest = item.manifest
        if manifest.get("kind") != "CustomResourceDefinition":
            continue
        spec = manifest.get("spec")
        if not isinstance(spec, dict) or spec.get("scope") != "Cluster":
            continue
        names = spec.get("names")
        if isinstance(names, dict) and isinstance(names.get("kind"), str):
            found.add((str(spec.get("group", "")), names["kind"]))
    return found


def default_namespaces(
    objects: Sequence[Sourced], namespace: str, cluster_scoped: Collection[kinds.GroupKind]
) -> None:
    """Set ``namespace`` on every namespaced object that names none (in place)."""
    if not namespace:
        return
    for item in objects:
        manifest = item.manifest
        metadata = manifest["metadata"]
        if metadata.get("namespace"):
            continue
        group = api_group(str(manifest["apiVersion"]))
        if kinds.is_namespaced(group, str(manifest["kind"]), cluster_scoped):
            metadata["namespace"] = namespace


def check_unique(objects: Sequence[Sourced], obj: str) -> None:
    """Raise if two objects share a ResourceKey (objects named only by generateName are exempt)."""
    seen: dict[ResourceKey, Sourced] = {}
    for item in objects:
        if not item.manifest["metadata"].get("name"):
            continue
        key = ResourceKey.of(item.manifest)
        first = seen.setdefault(key, item)
        if first is item:
            continue
        raise ManifestError(
            f"{key} is defined twice: in {first.origin} and in {item.origin}",
            where=Location(file=f"{item.origin.file}:{item.origin.line}", obj=obj),
            hint="Remove one of them, or give them different names or namespaces",
        )
