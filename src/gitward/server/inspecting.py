"""What the API shows of one app beyond its stored status: its desired objects (rendered at the
commits it was last compared at), their live copies, the per-resource diff, the resource tree
(managed objects and what they own) and the cluster's events about them.

It reads through the controller's own parts (the git side, renderer and live caches), so the
API shows exactly what the controller compares, and it never applies anything. Secret values
are masked in every object and diff it returns (``gitward.diff`` masks before it compares).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitward import diff, health
from gitward.controller.appofapps import is_argo_object
from gitward.controller.appsport import children_live
from gitward.controller.comparing import as_applied
from gitward.controller.loop import Controller
from gitward.errors import GitwardError, Location, UsageError
from gitward.kube import LiveCache
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking, owning_app
from gitward.model.application import Application, parse_application
from gitward.model.objects import Manifest, ResourceKey
from gitward.store import AppRecord
from gitward.sync import live_from_cache

__all__ = [
    "Inspection",
    "desired_of",
    "events",
    "inspect",
    "managed_resources",
    "manifests",
    "resource_tree",
]

_TREE_DEPTH = 4


@dataclass(frozen=True)
class Inspection:
    """An app's desired and live objects, and the live cache they came from; ``predicted``
    holds the server's dry-run answers when the app uses server-side diff."""

    app: Application
    desired: list[Manifest]
    live: list[Manifest]
    cache: LiveCache | None
    predicted: dict[ResourceKey, Manifest] | None = None
    tracking: Tracking = DEFAULT_TRACKING
    """How the controller marks and reads an app's objects (the comparison stamps desired so)."""


async def desired_of(
    controller: Controller, record: AppRecord, revision: str = ""
) -> tuple[Application, list[Manifest]]:
    """The app and its objects rendered at the commits it was compared at (resolved now when it
    has not been compared yet), or at ``revision`` (a branch, tag or commit: a preview of what
    it would deploy)."""
    app = parse_application(dict(record.document), file=record.file).value
    revisions = tuple(record.status.observed_revisions)
    if revision:
        revisions = await _revisions_at(controller, app, revision)
    elif len(revisions) != len(app.sources):
        revisions = await controller.git.resolve(app)
    rendered = await controller.git.render(app, revisions)
    return app, rendered.objects


async def _revisions_at(controller: Controller, app: Application, revision: str) -> tuple[str]:
    """The commit ``revision`` names in the app's repository (single-source apps only)."""
    where = Location(file=app.file, obj=f"Application {app.name}", field="revision")
    if app.multi_source:
        raise UsageError(
            f"application {app.name} has {len(app.sources)} sources; one revision "
            f"({revision!r}) cannot name a commit of each",
            where=where,
            hint="Compare without a revision, or change the sources' targetRevision",
        )
    source = dataclasses.replace(app.source, target_revision=revision)
    return (await controller.git.resolve_source(source, where, hard=True),)


async def inspect(
    controller: Controller, record: AppRecord, *, live: bool = True, revision: str = ""
) -> Inspection:
    """Desired objects (at ``revision`` when given), and (``live``) their live copies from the
    destination's cache."""
    app, desired = await desired_of(controller, record, revision)
    if not live:
        return Inspection(app, desired, [], None)
    _, cache = controller.caches.of(app.destination)
    # The argocd-cm settings, as the controller compares: excluded kinds left out, global
    # ignoreDifferences after the app's own.
    overrides = controller.overrides.current
    desired = overrides.split_excluded(desired, cache.server).kept
    app = overrides.for_app(app, desired)
    in_cluster = [obj for obj in desired if not is_argo_object(obj)]
    cache.watch_kinds_of(in_cluster)
    await cache.wait_warm(within=controller.settings.cache_warm_s)
    found = live_from_cache(cache, in_cluster, app.name)
    argo = [ResourceKey.of(obj) for obj in desired if is_argo_object(obj)]
    found.extend(await children_live(controller.reads, app.name, argo))
    refresher = controller.refresher
    predicted = await refresher.predicted(app, cache, desired, found, fresh=False)
    return Inspection(app, desired, found, cache, predicted, refresher.tracking)


def managed_resources(inspection: Inspection) -> list[dict[str, Any]]:
    """Per resource: its status, the unified diff, and both sides as JSON (masked)."""
    app = inspection.app
    tracked = {
        ResourceKey.of(obj)
        for obj in inspection.live
        if owning_app(obj, inspection.tracking) == app.name
    }
    compared = diff.compare_app(
        as_applied(app, inspection.desired, inspection.tracking),
        inspection.live,
        ignore=app.ignore_differences,
        tracked=tracked,
        namespace=app.destination.namespace,
        predicted=inspection.predicted,
    )
    return [
        {
            "group": item.key.group,
            "kind": item.key.kind,
            "namespace": item.key.namespace,
            "name": item.key.name,
            "status": item.status.value,
            "diff": item.diff,
            "liveState": _text(item.live),
            "targetState": _text(item.predicted),
            "error": item.error or "",
        }
        for item in compared.resources
    ]


def _text(obj: Manifest | None) -> str:
    return "null" if obj is None else json.dumps(obj, sort_keys=True)


def manifests(inspection: Inspection) -> list[str]:
    """The desired objects as JSON texts, Secret values masked."""
    shown = []
    for obj in inspection.desired:
        masked, _ = diff.hide_secret_data(obj, None)
        shown.append(json.dumps(masked, sort_keys=True))
    return shown


def resource_tree(
    inspection: Inspection, resources: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The app's managed resources and, from the live cache, what they own (ReplicaSets,
    Pods, ...), each with its parents."""
    nodes: list[dict[str, Any]] = []
    cache = inspection.cache
    for item in resources:
        key = ResourceKey(item["group"], item["kind"], item["namespace"], item["name"])
        live = cache.get(key) if cache is not None else None
        uid = _uid(live)
        nodes.append(_node(key, uid, [], item.get("health")))
        if cache is not None and uid:
            nodes.extend(_owned(cache, key, uid, 1))
    return nodes


def _owned(cache: LiveCache, parent: ResourceKey, uid: str, depth: int) -> list[dict[str, Any]]:
    if depth > _TREE_DEPTH:
        return []
    found = []
    reference = _ref(parent, uid)
    for child in cache.children(uid):
        key = ResourceKey.of(child)
        child_uid = _uid(child)
        node = _node(key, child_uid, [reference], _health(child))
        if key.group == "" and key.kind == "Pod":
            node.update(_pod_info(child))
        found.append(node)
        if child_uid:
            found.extend(_owned(cache, key, child_uid, depth + 1))
    return found


def _health(obj: Manifest) -> dict[str, str] | None:
    try:
        verdict = health.assess(obj)
    except GitwardError:
        return None
    return {"status": verdict.status.value, "message": verdict.message}


def _pod_info(pod: Manifest) -> dict[str, list[str]]:
    """A Pod's container names (for choosing whose log to read) and images, as Argo CD's tree
    nodes carry them."""
    containers = (pod.get("spec") or {}).get("containers") or []
    named = [c for c in containers if isinstance(c, dict)]
    return {
        "containers": [str(c.get("name") or "") for c in named],
        "images": [str(c.get("image") or "") for c in named],
    }


def _uid(obj: Manifest | None) -> str:
    metadata = (obj or {}).get("metadata") or {}
    return str(metadata.get("uid") or "")


def _ref(key: ResourceKey, uid: str) -> dict[str, str]:
    return {
        "group": key.group,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
        "uid": uid,
    }


def _node(
    key: ResourceKey, uid: str, parents: list[dict[str, str]], verdict: Any
) -> dict[str, Any]:
    node: dict[str, Any] = {**_ref(key, uid), "parentRefs": parents}
    if isinstance(verdict, dict):
        node["health"] = verdict
    return node


async def events(controller: Controller, inspection: Inspection) -> list[dict[str, Any]]:
    """The cluster's Events about the app's objects, oldest first."""
    app = inspection.app
    namespace = app.destination.namespace
    if not namespace:
        return []
    cluster = controller.caches.cluster(app.destination)
    wanted = {
        (str(o.get("kind")), str((o.get("metadata") or {}).get("name"))) for o in inspection.desired
    }
    listed = await cluster.list("", "Event", namespace=namespace)
    found = []
    for event in listed.items:
        involved = event.get("involvedObject") or {}
        if (str(involved.get("kind")), str(involved.get("name"))) not in wanted:
            continue
        found.append(
            {
                "type": event.get("type", ""),
                "reason": event.get("reason", ""),
                "message": event.get("message", ""),
                "involvedObject": involved,
                "count": event.get("count", 1),
                "firstTimestamp": event.get("firstTimestamp"),
                "lastTimestamp": event.get("lastTimestamp"),
            }
        )
    return sorted(found, key=lambda e: str(e.get("lastTimestamp") or ""))
