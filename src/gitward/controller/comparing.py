"""One app's desired objects against its live ones: sync status, health, and what to warn about.

Pairs what Git declares, as a sync would apply it (stamped with the app's tracking mark, so the
three-way comparison against the fields gitward's last apply owns sees the mark as declared),
with what the cluster (and, for child apps and projects, the store) holds, or with the API
server's dry-run predictions when the app uses server-side diff (:mod:`.predicting`); judges
each live resource (a child app as its parent sees it); sums the app's health up; and lists
resources another app also tracks (shared) and, when the project asks, the objects in the
destination namespace that no app tracks (orphaned). Pure: the caller brings the objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitward import diff, health
from gitward.controller.appobjects import DEFAULT_APP_NAMESPACE, child_health, is_app_key
from gitward.controller.appofapps import is_argo_object
from gitward.health import Health, HealthStatus, ManagedResource
from gitward.kube.tracking import Tracking, owning_app, stamp
from gitward.model import annotations as argocd
from gitward.model.application import Application
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["Compared", "as_applied", "compare", "orphans"]

_NEVER_ORPHANED = {
    ("", "ServiceAccount", "default"),
    ("", "ConfigMap", "kube-root-ca.crt"),
}
_NEVER_ORPHANED_KINDS = {("", "Endpoints"), ("discovery.k8s.io", "EndpointSlice"), ("", "Event")}


@dataclass(frozen=True)
class Compared:
    """The comparison, the app's health, a JSON summary of its resources, and the resources it
    shares with other apps."""

    diff: diff.AppDiff
    health: Health
    resources: Mapping[str, Any]
    shared: tuple[str, ...]

    @property
    def out_of_sync(self) -> frozenset[ResourceKey]:
        return frozenset(resource.key for resource in self.diff.out_of_sync)


def own_key(app: Application) -> ResourceKey:
    return ResourceKey(
        argocd.APP_GROUP, argocd.APP_KIND, app.namespace or DEFAULT_APP_NAMESPACE, app.name
    )


def as_applied(app: Application, desired: Sequence[Manifest], tracking: Tracking) -> list[Manifest]:
    """``desired`` as a sync applies it: objects for the cluster carry the app's tracking mark
    (Applications and AppProjects, kept in the store, are left as they are)."""
    return [obj if is_argo_object(obj) else stamp(obj, app.name, tracking) for obj in desired]


def compare(
    app: Application,
    desired: Sequence[Manifest],
    live: Sequence[Manifest],
    tracking: Tracking,
    *,
    predicted: Mapping[ResourceKey, Manifest] | None = None,
) -> Compared:
    """Compare ``desired`` with ``live`` (the app's own and desired-keyed live objects);
    ``predicted`` holds the server's dry-run answers under server-side diff."""
    namespace = app.destination.namespace

    def keyed(objects: Iterable[Manifest]) -> dict[ResourceKey, Manifest]:
        return {diff.resource_key(obj, namespace): obj for obj in objects}

    wanted, present = keyed(desired), keyed(live)
    tracked = {key for key, obj in present.items() if owning_app(obj, tracking) == app.name}
    result = diff.compare_app(
        as_applied(app, desired, tracking),
        live,
        ignore=app.ignore_differences,
        tracked=tracked,
        namespace=namespace,
        predicted=predicted,
    )
    itself = own_key(app)
    managed = [
        _managed(item.key, wanted.get(item.key), present.get(item.key), itself)
        for item in result.resources
    ]
    verdict = health.aggregate(managed, app=itself)
    shared = tuple(
        f"{key} is also tracked by application {owner}"
        for key, obj in present.items()
        if key in wanted
        and (owner := owning_app(obj, tracking)) not in (None, app.name)
        and key != own_key(app)
    )
    return Compared(result, verdict, _summary(result, managed), shared)


def _managed(
    key: ResourceKey, desired: Manifest | None, live: Manifest | None, itself: ResourceKey
) -> ManagedResource:
    verdict = None
    if key == itself:
        verdict = Health(HealthStatus.HEALTHY, "the application itself")
    elif live is not None and is_app_key(key):
        verdict = child_health(live)
    return ManagedResource(key, desired, live, verdict)


def _summary(result: diff.AppDiff, managed: Sequence[ManagedResource]) -> dict[str, Any]:
    judged = {item.key: item for item in managed}
    items = []
    for resource in result.resources:
        entry: dict[str, Any] = {
            "group": resource.key.group,
            "kind": resource.key.kind,
            "namespace": resource.key.namespace,
            "name": resource.key.name,
            "status": resource.status.value,
        }
        found = judged.get(resource.key)
        if found is not None and found.live is not None:
            verdict = found.health or health.assess(found.live)
            entry["health"] = {"status": verdict.status.value, "message": verdict.message}
        items.append(entry)
    return {
        "items": items,
        "total": len(items),
        "outOfSync": len(result.out_of_sync),
    }


def orphans(
    app: Application,
    candidates: Iterable[Manifest],
    desired: Iterable[ResourceKey],
    tracking: Tracking,
) -> list[ResourceKey]:
    """Objects in the app's destination namespace that no app tracks and nothing owns."""
    wanted = set(desired)
    found = []
    for obj in candidates:
        key = ResourceKey.of(obj)
        metadata = obj.get("metadata") or {}
        if (
            key.namespace != app.destination.namespace
            or key in wanted
            or metadata.get("ownerReferences")
            or owning_app(obj, tracking) is not None
            or (key.group, key.kind) in _NEVER_ORPHANED_KINDS
            or (key.group, key.kind, key.name) in _NEVER_ORPHANED
        ):
            continue
        found.append(key)
    return sorted(found)
