"""The last steps every render takes, whatever generated the objects.

Namespaced objects without ``metadata.namespace`` get the destination namespace (as Argo CD sets
it before applying); cluster-scoped ones keep none. A kind counts as cluster-scoped when it is a
built-in one, when the caller says so, or when a CustomResourceDefinition of the same render
declares ``scope: Cluster``. Then no object may appear twice: the same ResourceKey from two
templates or files is an error naming both places. Values an API server or a sync would refuse
later are refused here, where the file and line are known: a sync wave (or Helm hook weight) that
is not a 64-bit integer, and a Secret ``data`` value that is not base64 (named by key, never
quoted).
It must not read files or run generators.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Sequence

from gitward.errors import Location, ManifestError
from gitward.model import kinds
from gitward.model.annotations import HELM_HOOK_WEIGHT, SYNC_WAVE
from gitward.model.application import sync_wave
from gitward.model.objects import ResourceKey, api_group
from gitward.render.manifests import Sourced

__all__ = [
    "check_secret_data",
    "check_unique",
    "check_waves",
    "cluster_scoped_by_crds",
    "default_namespaces",
]


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


def check_waves(objects: Sequence[Sourced]) -> None:
    """Raise for a ``sync-wave`` (else ``helm.sh/hook-weight``) that a sync could not order by."""
    for item in objects:
        annotations = item.manifest["metadata"].get("annotations")
        if not isinstance(annotations, dict):
            continue
        where = _where(item, "metadata.annotations")
        if SYNC_WAVE in annotations:
            sync_wave({SYNC_WAVE: str(annotations[SYNC_WAVE])}, where)
        elif HELM_HOOK_WEIGHT in annotations:
            weight = where.at(f"metadata.annotations[{HELM_HOOK_WEIGHT}]")
            try:
                sync_wave({SYNC_WAVE: str(annotations[HELM_HOOK_WEIGHT])}, where)
            except ManifestError as err:
                raise ManifestError(
                    err.problem.replace("sync wave", "hook weight"), where=weight, hint=err.hint
                ) from None


def check_secret_data(objects: Sequence[Sourced]) -> None:
    """Raise for a Secret whose ``data`` holds a value that is not base64, as the API server
    would (the message names the key, never the value)."""
    for item in objects:
        manifest = item.manifest
        if manifest.get("kind") != "Secret" or manifest.get("apiVersion") != "v1":
            continue
        data = manifest.get("data")
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ManifestError(
                "data must be a mapping of keys to base64 values",
                where=_where(item, "data"),
                hint="Write `data:` as key: base64 value pairs, or use `stringData` for plain text",
            )
        for key, value in data.items():
            if value is not None and not _is_base64(value):
                raise ManifestError(
                    f"the value of data.{key} is not valid base64 (the value is not shown)",
                    where=_where(item, f"data.{key}"),
                    hint="Encode the value with `base64 -w0`, or move it to `stringData` as "
                    "plain text",
                )


def _is_base64(value: object) -> bool:
    """Whether ``value`` decodes as Go's ``base64.StdEncoding`` does (padding required,
    line breaks ignored)."""
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _where(item: Sourced, field: str) -> Location:
    metadata = item.manifest["metadata"]
    name = metadata.get("name") or metadata.get("generateName") or "?"
    return Location(
        file=f"{item.origin.file}:{item.origin.line}",
        obj=f"{item.manifest.get('kind')} {name}",
        field=field,
    )
