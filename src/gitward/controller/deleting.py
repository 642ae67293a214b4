"""Deleting an app's resources, as Argo CD's resources finalizer does.

With ``resources-finalizer.argocd.argoproj.io`` (or when asked to cascade), deleting an app
deletes what it tracks in its destination cluster (foreground, as Argo CD), except objects
marked ``argocd.argoproj.io/sync-options: Delete=false``; its child apps are deleted too, each
by its own finalizer, and the projects it applied when no app uses them any more. Without it,
resources are left in place. A hook still holding the hook finalizer (its sync was cut short
by the deletion) is released before it is deleted. This module deletes resources only; the app's
record is the caller's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gitward.controller.appobjects import project_object
from gitward.errors import GitwardError, NotFoundError
from gitward.kube import Cluster, LiveCache, Tracking
from gitward.kube.tracking import owning_app
from gitward.model import annotations as argocd
from gitward.model.application import Application
from gitward.model.objects import Manifest, ResourceKey
from gitward.store import AppRecord, RecordInUseError, Store
from gitward.sync.finalizing import remove_finalizer

__all__ = ["Deletion", "keeps_on_delete"]


def keeps_on_delete(obj: Manifest) -> bool:
    """Whether ``obj`` carries ``Delete=false`` in its sync-options annotation."""
    notes = (obj.get("metadata") or {}).get("annotations") or {}
    options = str(notes.get(argocd.SYNC_OPTIONS, ""))
    wanted = argocd.SyncOption.DELETE_FALSE.lower()
    return any(item.strip().lower() == wanted for item in options.split(","))


class Deletion:
    """Deletes one app's resources."""

    def __init__(
        self,
        store: Store,
        tracking: Tracking,
        delete_app: Callable[[str], Awaitable[object]],
        *,
        warm_s: float,
    ) -> None:
        self._store = store
        self._tracking = tracking
        self._delete_app = delete_app
        self._warm_s = warm_s

    async def resources(
        self, record: AppRecord, app: Application | None, place: tuple[Cluster, LiveCache] | None
    ) -> list[str]:
        """Delete the app's child apps, projects and cluster objects; returns what was kept
        or could not be deleted, as sentences."""
        kept: list[str] = []
        for child in await self._store.apps.list(parent=record.name):
            await self._delete_app(child.name)
        for project in await self._store.projects.list():
            if owning_app(project_object(project), self._tracking) == record.name:
                try:
                    await self._store.projects.delete(project.name)
                except RecordInUseError as err:
                    kept.append(err.message)
        if app is not None and place is not None:
            kept.extend(await self._objects(record, app, *place))
        return kept

    async def _objects(
        self, record: AppRecord, app: Application, cluster: Cluster, cache: LiveCache
    ) -> list[str]:
        cache.watch_kinds_of(_recorded_kinds(record))
        await cache.wait_warm(within=self._warm_s)
        kept = []
        for obj in cache.by_app(app.name):
            key = ResourceKey.of(obj)
            if keeps_on_delete(obj):
                kept.append(f"{key} was kept (Delete=false)")
                continue
            try:
                await _release_hook(cluster, key, obj)
                await cluster.delete(key, propagation="Foreground")
            except NotFoundError:
                continue
            except GitwardError as err:
                kept.append(f"{key} could not be deleted: {err.message}")
        return kept


async def _release_hook(cluster: Cluster, key: ResourceKey, obj: Manifest) -> None:
    """A hook of a sync cut short by the deletion may still carry the hook finalizer: remove
    it first, or the object would stay Terminating for ever."""
    metadata = obj.get("metadata") or {}
    if argocd.HOOK_FINALIZER in (metadata.get("finalizers") or ()):
        api_version = str(obj.get("apiVersion") or "")
        await remove_finalizer(cluster, key, api_version, str(metadata.get("uid") or ""))


def _recorded_kinds(record: AppRecord) -> list[ResourceKey]:
    items = record.status.resources.get("items")
    keys = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("group") != argocd.APP_GROUP:
            keys.append(ResourceKey(str(item.get("group") or ""), str(item.get("kind")), "", ""))
    return keys
