"""One resource of an app, as the UI and CLI act on it: read its live object, read a Pod's
container log, run a resource action (restart), delete it.

A resource is reachable only through an app that has it in its resource tree (declared in Git,
or owned by something declared), so a user who may act on an app cannot name an arbitrary
object of the cluster through it. Secret values are masked in what is read.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitward import diff
from gitward.controller.loop import Controller
from gitward.errors import NotFoundError
from gitward.kube import Cluster, LogOptions
from gitward.model.objects import Manifest, ResourceKey
from gitward.server import inspecting, views
from gitward.server.failures import NOT_FOUND, ApiError, invalid
from gitward.store import AppRecord

__all__ = [
    "RESTART",
    "ResourceAction",
    "actions_for",
    "delete",
    "live_object",
    "pod_log",
    "resource_in_tree",
    "run_action",
]

RESTART = "restart"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
"""The pod-template annotation ``kubectl rollout restart`` and Argo CD's restart action set."""

_RESTARTABLE = frozenset({("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet")})


@dataclass(frozen=True)
class ResourceAction:
    """An action a resource offers (Argo CD's ``ResourceAction``)."""

    name: str
    disabled: bool = False


async def resource_in_tree(controller: Controller, record: AppRecord, key: ResourceKey) -> Cluster:
    """The app's destination cluster, once ``key`` is found in the app's resource tree."""
    inspection = await inspecting.inspect(controller, record)
    resources = views.app_json(record)["status"]["resources"]
    for node in inspecting.resource_tree(inspection, resources):
        found = ResourceKey(node["group"], node["kind"], node["namespace"], node["name"])
        if found == key:
            return controller.caches.cluster(inspection.app.destination)
    raise ApiError(
        404,
        NOT_FOUND,
        f"{key} is not a resource of application {record.name}: name one of its resource tree",
    )


async def live_object(cluster: Cluster, key: ResourceKey) -> Manifest:
    """The live object, Secret values masked."""
    try:
        live = await cluster.get(key)
    except NotFoundError as err:
        raise ApiError(404, NOT_FOUND, f"{key} is no longer in the cluster") from err
    masked, _ = diff.hide_secret_data(live, None)
    return masked or {}


def pod_log(cluster: Cluster, key: ResourceKey, options: LogOptions) -> AsyncGenerator[str, None]:
    """The Pod's container log, line by line."""
    if key.group != "" or key.kind != "Pod":
        raise invalid(f"{key} has no log: only Pods do; name a Pod of the app's resource tree")
    return cluster.logs(key.namespace, key.name, options)


def actions_for(key: ResourceKey) -> list[ResourceAction]:
    """What can be done to a resource of this kind."""
    return [ResourceAction(RESTART)] if (key.group, key.kind) in _RESTARTABLE else []


async def run_action(cluster: Cluster, key: ResourceKey, action: str) -> Manifest:
    """Run ``action``; today ``restart`` (a new pod-template annotation: a rolling restart)."""
    if action not in {a.name for a in actions_for(key)}:
        known = ", ".join(a.name for a in actions_for(key)) or "none"
        raise invalid(f"{key.kind} has no action {action!r} (its actions: {known})")
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch: dict[str, Any] = {
        "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: moment}}}}
    }
    try:
        return await cluster.patch(key, patch, patch_type="merge")
    except NotFoundError as err:
        raise ApiError(404, NOT_FOUND, f"{key} is no longer in the cluster") from err


async def delete(cluster: Cluster, key: ResourceKey, *, orphan: bool = False) -> None:
    """Delete the resource (its dependents too, unless ``orphan``)."""
    try:
        await cluster.delete(key, propagation="Orphan" if orphan else "Foreground")
    except NotFoundError as err:
        raise ApiError(404, NOT_FOUND, f"{key} is no longer in the cluster") from err
