"""The cluster port of an app-of-apps: Applications and AppProjects go to the store.

A parent app's manifests declare Applications and AppProjects. gitward keeps those in its store,
never in a cluster, yet the parent syncs them like any resource: in its waves, waiting on their
health, pruning the ones Git no longer declares. :class:`AppsPort` makes that work without the
sync engine knowing: it is a :class:`~gitward.kube.Cluster` that sends ``argoproj.io``
Applications and AppProjects to the store (apply = upsert and refresh the child at once; get =
the object with the child's status; delete = the controller's delete, which honours the child's
resources finalizer) and everything else to the real cluster.

:func:`children_live` gives a refresh the same view. It must not talk to a cluster about
Applications or AppProjects.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Collection
from datetime import datetime
from typing import Any

from gitward.controller.appobjects import (
    application_object,
    is_app_key,
    is_project_key,
    project_object,
)
from gitward.controller.reads import StoreReads
from gitward.errors import GitwardError, InvalidError, Location, NotFoundError, UnknownKindError
from gitward.kube.cluster import (
    Cluster,
    FieldValidation,
    LogOptions,
    ObjectList,
    PatchType,
    Propagation,
    Selector,
    WatchEvent,
)
from gitward.kube.discovery import ResourceType
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking, owning_app
from gitward.model import annotations as argocd
from gitward.model.application import parse_application
from gitward.model.objects import Manifest, ResourceKey
from gitward.model.project import parse_project
from gitward.store import AppDefinition, ProjectDefinition, Store

__all__ = ["AppsPort", "children_live"]

_VERSION = "v1alpha1"
_PLURALS = {argocd.APP_KIND: "applications", argocd.PROJECT_KIND: "appprojects"}


def _argo(group: str, kind: str) -> bool:
    return group == argocd.APP_GROUP and kind in _PLURALS


async def children_live(
    reads: StoreReads,
    parent: str,
    desired: Collection[ResourceKey],
    tracking: Tracking = DEFAULT_TRACKING,
) -> list[Manifest]:
    """The stored Applications and AppProjects that matter to ``parent``: those it declares
    (``desired``), its child apps, and the projects it applied (its tracking mark)."""
    found: dict[ResourceKey, Manifest] = {}
    names = {key.name for key in desired if is_app_key(key)}
    names.update(await reads.children(parent))
    for name in sorted(names):
        record = await reads.app(name)
        if record is not None:
            obj = application_object(record, await reads.latest_operation(name))
            found[ResourceKey.of(obj)] = obj
    wanted = {key.name for key in desired if is_project_key(key)}
    for project in await reads.projects():
        obj = project_object(project)
        if project.name in wanted or owning_app(obj, tracking) == parent:
            found[ResourceKey.of(obj)] = obj
    return list(found.values())


class AppsPort:
    """A :class:`Cluster` for one parent's sync: Argo CD objects to the store, the rest to
    ``cluster``. ``applied`` records when each child app was last applied."""

    def __init__(
        self,
        cluster: Cluster,
        store: Store,
        parent: str,
        *,
        on_applied: Callable[[str], None],
        delete_app: Callable[[str], Awaitable[object]],
        clock: Callable[[], datetime],
        applied: dict[str, datetime] | None = None,
    ) -> None:
        self._cluster = cluster
        self._store = store
        self._parent = parent
        self._on_applied = on_applied
        self._delete_app = delete_app
        self._clock = clock
        self.applied: dict[str, datetime] = dict(applied or {})

    @property
    def name(self) -> str:
        return self._cluster.name

    async def resource_type(
        self, group: str, kind: str, version: str | None = None
    ) -> ResourceType:
        if _argo(group, kind):
            return ResourceType(group, _VERSION, kind, _PLURALS[kind], True)
        return await self._cluster.resource_type(group, kind, version)

    async def get(self, key: ResourceKey, *, version: str | None = None) -> Manifest:
        if is_app_key(key):
            record = await self._store.apps.get(key.name)
            if record is not None:
                return application_object(record, await self._store.operations.latest(key.name))
        elif is_project_key(key):
            project = await self._store.projects.get(key.name)
            if project is not None:
                return project_object(project)
        else:
            return await self._cluster.get(key, version=version)
        raise NotFoundError(f"{key} does not exist", where=Location(obj=str(key)))

    async def list(
        self,
        group: str,
        kind: str,
        *,
        version: str | None = None,
        namespace: str | None = None,
        labels: Selector | None = None,
        fields: Selector | None = None,
    ) -> ObjectList:
        if not _argo(group, kind):
            return await self._cluster.list(
                group, kind, version=version, namespace=namespace, labels=labels, fields=fields
            )
        if kind == argocd.PROJECT_KIND:
            return ObjectList(items=[project_object(p) for p in await self._store.projects.list()])
        items = []
        for summary in await self._store.apps.list():
            record = await self._store.apps.get(summary.name)
            if record is not None:
                latest = await self._store.operations.latest(summary.name)
                items.append(application_object(record, latest))
        return ObjectList(items=items)

    def watch(
        self,
        group: str,
        kind: str,
        *,
        version: str | None = None,
        namespace: str | None = None,
        labels: Selector | None = None,
        fields: Selector | None = None,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
    ) -> AsyncGenerator[WatchEvent, None]:
        if _argo(group, kind):
            raise UnknownKindError(
                f"{group}/{kind} is kept in gitward's store, not watched in a cluster",
                where=Location(obj=f"{group}/{kind}"),
            )
        return self._cluster.watch(
            group,
            kind,
            version=version,
            namespace=namespace,
            labels=labels,
            fields=fields,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
        )

    async def apply(
        self,
        manifest: Manifest,
        *,
        force: bool = False,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> Manifest:
        key = ResourceKey.of(manifest)
        if is_app_key(key):
            return await self._apply_app(manifest, dry_run=dry_run)
        if is_project_key(key):
            return await self._apply_project(manifest, dry_run=dry_run)
        return await self._cluster.apply(
            manifest, force=force, dry_run=dry_run, field_validation=field_validation
        )

    async def create(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        if _argo(*_group_kind(manifest)):
            return await self.apply(manifest, dry_run=dry_run)
        return await self._cluster.create(manifest, dry_run=dry_run)

    async def replace(self, manifest: Manifest, *, dry_run: bool = False) -> Manifest:
        if _argo(*_group_kind(manifest)):
            return await self.apply(manifest, dry_run=dry_run)
        return await self._cluster.replace(manifest, dry_run=dry_run)

    async def patch(
        self,
        key: ResourceKey,
        patch: Any,
        *,
        patch_type: PatchType = "merge",
        dry_run: bool = False,
        version: str | None = None,
    ) -> Manifest:
        if _argo(key.group, key.kind):
            raise InvalidError(
                f"{key} is kept in gitward's store and cannot be patched",
                where=Location(obj=str(key)),
                hint="Change the Application in Git; its parent applies it whole",
            )
        return await self._cluster.patch(
            key, patch, patch_type=patch_type, dry_run=dry_run, version=version
        )

    async def delete(
        self,
        key: ResourceKey,
        *,
        propagation: Propagation | None = None,
        uid: str | None = None,
        resource_version: str | None = None,
        dry_run: bool = False,
        version: str | None = None,
    ) -> Manifest | None:
        if not _argo(key.group, key.kind):
            return await self._cluster.delete(
                key,
                propagation=propagation,
                uid=uid,
                resource_version=resource_version,
                dry_run=dry_run,
                version=version,
            )
        await self.get(key)  # NotFoundError when it is already gone
        if dry_run:
            return None
        if is_app_key(key):
            await self._delete_app(key.name)
        else:
            await self._store.projects.delete(key.name)
        return None

    def logs(self, namespace: str, pod: str, options: LogOptions) -> AsyncGenerator[str, None]:
        """Pods are the real cluster's: their logs come from it."""
        return self._cluster.logs(namespace, pod, options)

    async def close(self) -> None:
        """The real cluster's client belongs to the controller's registry: nothing to do."""

    async def _apply_app(self, manifest: Manifest, *, dry_run: bool) -> Manifest:
        name = ResourceKey.of(manifest).name
        try:
            app = parse_application(manifest).value
        except GitwardError as err:
            raise _invalid(err) from err
        existing = await self._store.apps.get(name)
        if dry_run:
            return manifest
        parent = existing.parent if name == self._parent and existing else self._parent
        record = await self._store.apps.upsert(AppDefinition.of(app, manifest, parent=parent))
        if name != self._parent:
            self.applied[name] = self._clock()
            self._on_applied(name)
        return application_object(record, await self._store.operations.latest(name))

    async def _apply_project(self, manifest: Manifest, *, dry_run: bool) -> Manifest:
        try:
            project = parse_project(manifest).value
        except GitwardError as err:
            raise _invalid(err) from err
        if dry_run:
            return manifest
        definition = ProjectDefinition(project.name, manifest, project.file)
        return project_object(await self._store.projects.upsert(definition))


def _group_kind(manifest: Manifest) -> tuple[str, str]:
    key = ResourceKey.of(manifest)
    return key.group, key.kind


def _invalid(err: GitwardError) -> InvalidError:
    return InvalidError(err.problem, where=err.where, hint=err.hint)
