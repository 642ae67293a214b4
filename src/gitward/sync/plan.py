"""The plan of a sync: every task it will run, in order, and the prunes it decided to skip.

Made from the request and a step's context alone, deterministically, so that every step of an
operation makes the same plan and finds its recorded results by task. What the plan settles:

* which desired objects are applied (hooks by phase, ``Skip`` objects never, a selective sync
  only the chosen keys, ``ApplyOutOfSyncOnly`` only those diff says differ), each stamped with
  the app's tracking mark, and hooks with the hook finalizer;
* the destination namespace under ``CreateNamespace=true`` (with managedNamespaceMetadata);
* what is pruned: only live objects that carry this app's own tracking mark (never another
  app's, never a copied mark, never a hook or an object with an owner), and nothing at all when
  Git declares no resource without ``allowEmpty``, or when the desired state is incomplete;
* the failures that stop a sync before it starts: an annotation gitward cannot read, and under
  ``FailOnSharedResource=true`` a resource another app tracks.

This module must not talk to a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from gitward import diff
from gitward.errors import ConfigError, Location, ManifestError
from gitward.kube.tracking import owning_app, stamp
from gitward.model.annotations import HELM_HOOK_WEIGHT, SYNC_WAVE
from gitward.model.application import sync_wave
from gitward.model.objects import Manifest, ResourceKey
from gitward.sync.context import SyncContext
from gitward.sync.hooks import Hook, hook_name, hook_of, is_skipped, with_finalizer
from gitward.sync.options import (
    PruneMode,
    ResourceOptions,
    SyncOptions,
    resource_options,
    sync_options,
)
from gitward.sync.pruning import is_apps_own
from gitward.sync.request import SyncRequest
from gitward.sync.results import ResourceResult, ResultCode, SyncPhase
from gitward.sync.tasks import Action, Stage, Task, crd_kind, order, stage_of

__all__ = ["Plan", "Skip", "plan_sync"]


@dataclass(frozen=True, slots=True)
class Skip:
    """A prune decided against without touching the cluster, and why."""

    task: Task
    message: str


@dataclass(frozen=True, slots=True)
class Plan:
    """``tasks`` in the order they run; ``skipped`` prunes; the kinds and namespaces this sync
    creates itself (their objects' dry runs may fail for want of them)."""

    tasks: tuple[Task, ...]
    skipped: tuple[Skip, ...]
    options: SyncOptions
    defined_kinds: frozenset[tuple[str, str]]
    created_namespaces: frozenset[str]


def plan_sync(
    request: SyncRequest,
    context: SyncContext,
    *,
    operation_id: str,
    recorded: Sequence[ResourceResult] = (),
) -> Plan:
    """The plan for ``request`` against ``context``. ``recorded`` are the operation's results
    so far: a prune under way keeps its task after its object left the live view (the task is
    done once the object is gone).

    Raises :class:`~gitward.errors.ManifestError` for an annotation or option gitward cannot
    read and :class:`~gitward.errors.ConfigError` for resources another app tracks under
    ``FailOnSharedResource=true``.
    """
    app_where = Location(file=context.app.file, obj=f"Application {context.app.name}")
    options = sync_options(
        [*context.app.sync_policy.sync_options, *request.sync_options],
        app_where.at("spec.syncPolicy.syncOptions"),
    )
    if request.force:
        options = _forced(options)
    live = {ResourceKey.of(obj): obj for obj in context.live}
    applies = _Applies(request, context, options, live, operation_id).tasks()
    resources = [obj for obj in context.desired if hook_of(obj, _where(obj, context)) is None]
    prunes, skipped = _prune_tasks(request, context, options, live, resources)
    prunes.extend(_prunes_under_way(recorded, {t.key for t in prunes}))
    namespace = _managed_namespace(context, options, live)
    tasks = order([*applies, *prunes, *([namespace] if namespace else [])])
    return Plan(
        tasks=tuple(tasks),
        skipped=tuple(skipped),
        options=options,
        defined_kinds=frozenset(k for t in tasks if t.target and (k := crd_kind(t.target))),
        created_namespaces=frozenset(
            t.key.name for t in tasks if t.target and (t.key.group, t.key.kind) == ("", "Namespace")
        ),
    )


def _forced(options: SyncOptions) -> SyncOptions:
    return replace(options, defaults=replace(options.defaults, force=True))


@dataclass(frozen=True, slots=True)
class _Applies:
    """Turns desired objects into apply tasks for one request and context."""

    request: SyncRequest
    context: SyncContext
    options: SyncOptions
    live: Mapping[ResourceKey, Manifest]
    operation_id: str

    def tasks(self) -> list[Task]:
        tasks: list[Task] = []
        for obj in self.context.desired:
            where = _where(obj, self.context)
            if is_skipped(obj, where):
                continue
            hook = hook_of(obj, where)
            wave = _wave(obj, where)
            resource = resource_options(_annotations(obj), self.options.defaults, where)
            if hook is None:
                tasks.extend(self._resource(obj, wave, resource))
            elif self.request.resources is None:  # hooks do not run in a selective sync
                tasks.extend(self._hook(obj, hook, wave, resource))
        self._refuse_shared(tasks)
        return tasks

    def _resource(self, obj: Manifest, wave: int, resource: ResourceOptions) -> Iterable[Task]:
        key = ResourceKey.of(obj)
        if not self.request.selects(key):
            return
        current = self.live.get(key)
        target = _target(obj, current, self.context, self.options)
        if self.options.apply_out_of_sync_only and _in_sync(target, current, self.context):
            return
        yield Task(
            key, SyncPhase.SYNC, Stage.SYNC, wave, Action.APPLY, target, current, None, resource
        )

    def _hook(
        self, obj: Manifest, hook: Hook, wave: int, resource: ResourceOptions
    ) -> Iterable[Task]:
        for phase in sorted(hook.phases, key=stage_of):
            name = hook_name(
                obj, revision=self.request.revision, phase=phase, operation_id=self.operation_id
            )
            metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "generateName"}
            named = {**obj, "metadata": {**metadata, "name": name}}
            target = with_finalizer(stamp(named, self.context.app.name, self.context.tracking))
            key = ResourceKey.of(target)
            yield Task(
                key, phase, stage_of(phase), wave, Action.APPLY, target, None, hook, resource
            )

    def _refuse_shared(self, tasks: Iterable[Task]) -> None:
        """Under FailOnSharedResource=true, refuse resources another app tracks."""
        if not self.options.fail_on_shared_resource:
            return
        app = self.context.app
        shared = [
            f"{task.key} (tracked by app {owner})"
            for task in tasks
            if task.live is not None
            and (owner := owning_app(task.live, self.context.tracking)) not in (None, app.name)
        ]
        if shared:
            raise ConfigError(
                f"{len(shared)} resources belong to another app: {', '.join(shared)}",
                where=Location(file=app.file, obj=f"Application {app.name}"),
                hint="Remove them from one of the apps, or drop FailOnSharedResource=true",
            )


def _target(
    obj: Manifest, live: Manifest | None, context: SyncContext, options: SyncOptions
) -> Manifest:
    target = stamp(obj, context.app.name, context.tracking)
    if options.respect_ignore_differences and live is not None:
        target = diff.respect_ignored(target, live, context.app.ignore_differences)
    return target


def _in_sync(target: Manifest, live: Manifest | None, context: SyncContext) -> bool:
    if live is None:
        return False
    result = diff.compare(target, live, ignore=context.app.ignore_differences)
    return result.status is diff.ResourceStatus.SYNCED


def _prune_tasks(
    request: SyncRequest,
    context: SyncContext,
    options: SyncOptions,
    live: Mapping[ResourceKey, Manifest],
    resources: Sequence[Manifest],
) -> tuple[list[Task], list[Skip]]:
    desired = {ResourceKey.of(obj) for obj in resources}
    tasks: list[Task] = []
    skipped: list[Skip] = []
    veto = _prune_veto(request, context, resources)
    for key, obj in live.items():
        if (
            key in desired
            or not request.selects(key)
            or not is_apps_own(obj, context.app.name, context.tracking)
        ):
            continue
        where = _where(obj, context)
        try:
            resource = resource_options(_annotations(obj), options.defaults, where)
        except ManifestError as err:
            resource, veto_here = options.defaults, f"ignored ({err.problem})"
        else:
            veto_here = "ignored (Prune=false)" if resource.prune is PruneMode.NEVER else veto
        stage = Stage.PRUNE_LAST if resource.prune_last else Stage.PRUNE
        task = Task(
            key, SyncPhase.SYNC, stage, _live_wave(obj), Action.PRUNE, None, obj, None, resource
        )
        if veto_here:
            skipped.append(Skip(task, veto_here))
        else:
            tasks.append(task)
    return tasks, skipped


def _prunes_under_way(recorded: Sequence[ResourceResult], planned: set[ResourceKey]) -> list[Task]:
    return [
        Task(item.key, item.phase, Stage.PRUNE, item.wave, Action.PRUNE)
        for item in recorded
        if item.code is ResultCode.PRUNED and item.key not in planned
    ]


def _prune_veto(request: SyncRequest, context: SyncContext, resources: Sequence[Manifest]) -> str:
    """Why nothing may be pruned in this sync, or ``""``."""
    if not context.desired_complete:
        return "not pruned: the desired state is incomplete (a render or comparison failed)"
    if not resources and not request.allow_empty:
        return "not pruned: Git declares no resources for this app and allowEmpty is not set"
    if not request.prune:
        return "ignored (requires pruning)"
    return ""


def _managed_namespace(
    context: SyncContext, options: SyncOptions, live: Mapping[ResourceKey, Manifest]
) -> Task | None:
    """The destination namespace under CreateNamespace=true, unless Git declares it: created when
    missing, its managedNamespaceMetadata applied when given. Never stamped: not the app's."""
    name = context.app.destination.namespace
    if not options.create_namespace or not name:
        return None
    key = ResourceKey("", "Namespace", "", name)
    if any(ResourceKey.of(obj) == key for obj in context.desired):
        return None
    metadata: dict[str, object] = {"name": name}
    extra = context.app.sync_policy.managed_namespace_metadata
    if extra is not None:
        metadata.update(labels=dict(extra.labels), annotations=dict(extra.annotations))
    elif key in live:
        return None
    target = {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}
    return Task(key, SyncPhase.PRE_SYNC, Stage.PRE_SYNC, 0, Action.APPLY, target, live.get(key))


def _wave(obj: Manifest, where: Location) -> int:
    """``sync-wave``, else Helm's ``hook-weight`` (as Argo CD reads it), else 0."""
    notes = _annotations(obj)
    if SYNC_WAVE in notes:
        return sync_wave(notes, where.at("metadata.annotations"))
    if HELM_HOOK_WEIGHT in notes:
        weight = {SYNC_WAVE: notes[HELM_HOOK_WEIGHT]}
        return sync_wave(weight, where.at("metadata.annotations"))
    return 0


def _live_wave(obj: Manifest) -> int:
    """The wave of a live object; one it cannot read counts as 0 (it no longer comes from Git)."""
    try:
        return _wave(obj, Location())
    except ManifestError:
        return 0


def _annotations(obj: Manifest) -> dict[str, str]:
    metadata = obj.get("metadata")
    notes = metadata.get("annotations") if isinstance(metadata, dict) else None
    return {str(k): str(v) for k, v in notes.items()} if isinstance(notes, dict) else {}


def _where(obj: Manifest, context: SyncContext) -> Location:
    return Location(obj=f"{ResourceKey.of(obj)} of Application {context.app.name}")
