"""Compare an application: every object Git declares against the cluster, and the app's status.

Desired and live objects are paired by :class:`~gitward.model.objects.ResourceKey` (a desired
object without a namespace gets the destination's; cluster-scoped kinds have none). A live
object Git no longer declares is ``RequiresPruning`` when the app tracks it; unless it carries
``argocd.argoproj.io/compare-options: IgnoreExtraneous``, it makes the app ``OutOfSync``. Hooks
(``argocd.argoproj.io/hook``, ``helm.sh/hook``) run during a sync and are not compared, as in
Argo CD. A render or comparison error makes the app ``Unknown``.
Pure: the caller brings the objects; nothing is fetched here.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from gitward.diff.compare import ResourceDiff, ResourceStatus, compare_resource, key_of
from gitward.diff.jq import JqRunner
from gitward.errors import GitwardError
from gitward.model.annotations import HELM_HOOK, HOOK
from gitward.model.application import IgnoreDifference
from gitward.model.kinds import GroupKind, is_namespaced
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["AppDiff", "SyncStatus", "compare_app", "resource_key"]


class SyncStatus(enum.StrEnum):
    """An application's sync status, as Argo CD names it."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class AppDiff:
    """The comparison of one application: a result per resource, sorted by key."""

    status: SyncStatus
    resources: tuple[ResourceDiff, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = ()
    """Things an operator should fix that do not stop the comparison (a repeated object)."""

    @property
    def modified(self) -> bool:
        return self.status is not SyncStatus.SYNCED

    @property
    def out_of_sync(self) -> tuple[ResourceDiff, ...]:
        """The resources that make the app OutOfSync (extraneous ones marked to be ignored
        are not among them)."""
        return tuple(resource for resource in self.resources if _counts(resource))

    @property
    def diff(self) -> str:
        """The unified diffs of every modified resource, one after another."""
        return "".join(resource.diff for resource in self.resources)


def _counts(resource: ResourceDiff) -> bool:
    if resource.status is ResourceStatus.REQUIRES_PRUNING:
        return not resource.ignore_extraneous
    return resource.modified


def resource_key(
    obj: Manifest, namespace: str = "", cluster_scoped: Collection[GroupKind] = frozenset()
) -> ResourceKey:
    """``obj``'s key with the namespace settled: none for cluster-scoped kinds, ``namespace``
    for a namespaced object that names none."""
    key = key_of(obj)
    if not is_namespaced(key.group, key.kind, cluster_scoped):
        return ResourceKey(key.group, key.kind, "", key.name)
    if not key.namespace and namespace:
        return ResourceKey(key.group, key.kind, namespace, key.name)
    return key


def compare_app(
    desired_objects: Iterable[Manifest],
    live_objects: Iterable[Manifest],
    *,
    last_applied: Mapping[ResourceKey, Manifest] | None = None,
    ignore: Sequence[IgnoreDifference] = (),
    tracked: Collection[ResourceKey] | None = None,
    namespace: str = "",
    cluster_scoped: Collection[GroupKind] = frozenset(),
    error: GitwardError | str | None = None,
    jq: JqRunner | None = None,
    predicted: Mapping[ResourceKey, Manifest] | None = None,
) -> AppDiff:
    """Compare an app's rendered objects with the live ones.

    ``live_objects`` are the cluster's objects that matter to the app (its tracked ones, and
    any with a desired object's key); ``tracked`` says which of them the app owns (None: all
    of them), so only those can require pruning. ``last_applied`` holds what gitward applied
    last per key. ``ignore`` is the app's ``ignoreDifferences`` plus the global rules.
    ``error`` is a render failure: the app is then Unknown and nothing is compared.
    """
    if error is not None:
        message = error.message if isinstance(error, GitwardError) else str(error)
        return AppDiff(SyncStatus.UNKNOWN, error=message)
    desired, repeated = _by_key(desired_objects, namespace, cluster_scoped)
    live, _ = _by_key(live_objects, namespace, cluster_scoped)
    records = last_applied or {}
    dry_runs = predicted or {}
    results = []
    for key in sorted(desired.keys() | live.keys()):
        if key not in desired and tracked is not None and key not in tracked:
            continue
        results.append(
            compare_resource(
                key,
                desired.get(key),
                live.get(key),
                records.get(key),
                ignore=ignore,
                jq=jq,
                predicted=dry_runs.get(key),
            )
        )
    warnings = tuple(
        f"{key} is declared more than once; the last one is compared" for key in repeated
    )
    return _summary(tuple(results), warnings)


def _by_key(
    objects: Iterable[Manifest], namespace: str, cluster_scoped: Collection[GroupKind]
) -> tuple[dict[ResourceKey, Manifest], list[ResourceKey]]:
    """Objects by key, hooks left out, and the keys seen more than once."""
    found: dict[ResourceKey, Manifest] = {}
    repeated: list[ResourceKey] = []
    for obj in objects:
        if not isinstance(obj, dict) or _is_hook(obj):
            continue
        key = resource_key(obj, namespace, cluster_scoped)
        if key in found and key not in repeated:
            repeated.append(key)
        found[key] = obj
    return found, repeated


def _is_hook(obj: Manifest) -> bool:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and (HOOK in annotations or HELM_HOOK in annotations)


def _summary(results: tuple[ResourceDiff, ...], warnings: tuple[str, ...]) -> AppDiff:
    failed = [result.error for result in results if result.status is ResourceStatus.UNKNOWN]
    if failed:
        error = "; ".join(str(item) for item in failed)
        return AppDiff(SyncStatus.UNKNOWN, results, error, warnings)
    if any(_counts(result) for result in results):
        return AppDiff(SyncStatus.OUT_OF_SYNC, results, warnings=warnings)
    return AppDiff(SyncStatus.SYNCED, results, warnings=warnings)
