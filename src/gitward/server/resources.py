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
from gitward.errors import InvalidError, Location, NotFoundError
from gitward.kube import Cluster, LogOptions
from gitward.model.objects import Manifest, ResourceKey
from gitward.server import inspecting, views
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
            cluster, _ = controller.caches.of(inspection.app.destination)
            return cluster
    raise NotFoundError(
        f"{key} is not a resource of application {record.name}",
        where=Location(obj=f"application {record.name}"),
        hint="Name a resource from the app's resource tree (gitward app resources NAME)",
    )


async def live_object(cluster: Cluster, key: ResourceKey) -> Manifest:
    """The live object, Secret values masked."""
    live = await cluster.get(key)
    masked, _ = diff.hide_secret_data(live, None)
    return masked or {}


def pod_log(cluster: Cluster, key: ResourceKey, options: LogOptions) -> AsyncGenerator[str, None]:
    """The Pod's container log, line by line."""
    if key.group != "" or key.kind != "Pod":
        raise InvalidError(
            f"{key} has no log: only Pods do",
            where=Location(field="podName"),
            hint="Name a Pod of the app's resource tree",
        )
    return cluster.logs(key.namespace, key.name, options)


def actions_for(key: ResourceKey) -> list[ResourceAction]:
    """What can be done to a resource of this kind."""
    return [ResourceAction(RESTART)] if (key.group, key.kind) in _RESTARTABLE else []


async def run_action(cluster: Cluster, key: ResourceKey, action: str) -> Manifest:
    """Run ``action``; today ``restart`` (a new pod-template annotation: a rolling restart)."""
    if action not in {a.name for a in actions_for(key)}:
        raise InvalidError(
            f"{key.kind} has no action {action!r}",
            where=Location(field="action"),
            hint=f"Actions of {key.kind}: {', '.join(a.name for a in actions_for(key)) or 'none'}",
        )
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch: dict[str, Any] = {
        "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: moment}}}}
    }
    return await cluster.patch(key, patch, patch_type="merge")


async def delete(cluster: Cluster, key: ResourceKey, *, orphan: bool = False) -> None:
    """Delete the resource (its dependents too, unless ``orphan``)."""
    await cluster.delete(key, propagation="Orphan" if orphan else "Foreground")
