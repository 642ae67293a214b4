"""Sync tasks and the one order they run in.

A task is one thing a sync does to one object: apply it (a resource or a hook) or prune it.
Tasks run in groups, one ``(stage, wave)`` at a time, and the order is one sort key::

    (stage, wave, kind rank, name)

Stages are Argo CD's phases with pruning given places of its own: PreSync, Sync, Prune,
PostSync, PruneLast, SyncFail. Prunes come after every apply of the Sync phase, in mirrored
order: the highest wave first and, within a wave, kinds in reverse apply order (a Deployment
before its ConfigMap, a Namespace last), so what was created last is removed first and a
replacement is up before the object it replaces goes. ``PruneLast`` prunes after PostSync, at
the very end. (Argo CD interleaves prunes with applies of the same mirrored wave and runs
PruneLast before PostSync; gitward's order never deletes an old object before the new wave that
replaces it is healthy.)

Two dependency fixes are separate, named passes over the sorted list: a Namespace moves before
the first object in it, a CustomResourceDefinition before the first custom resource of its kind,
each taking that object's stage and wave (as Argo CD's ``adjustDeps``). Nothing here talks to a
cluster.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from gitward.model.kinds import kind_rank
from gitward.model.objects import Manifest, ResourceKey
from gitward.sync.hooks import Hook
from gitward.sync.options import ResourceOptions
from gitward.sync.results import SyncPhase

__all__ = [
    "Action",
    "Stage",
    "Task",
    "crd_kind",
    "definitions_first",
    "namespaces_first",
    "order",
    "stage_of",
]

CRD_GROUP = "apiextensions.k8s.io"
CRD_KIND = "CustomResourceDefinition"


class Stage(enum.IntEnum):
    """When a group of tasks runs, first to last."""

    PRE_SYNC = 0
    SYNC = 1
    PRUNE = 2
    POST_SYNC = 3
    PRUNE_LAST = 4
    SYNC_FAIL = 5

    @property
    def prunes(self) -> bool:
        return self in (Stage.PRUNE, Stage.PRUNE_LAST)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Stage.PRE_SYNC: "PreSync",
    Stage.SYNC: "Sync",
    Stage.PRUNE: "Prune",
    Stage.POST_SYNC: "PostSync",
    Stage.PRUNE_LAST: "PruneLast",
    Stage.SYNC_FAIL: "SyncFail",
}

_STAGE_OF_PHASE = {
    SyncPhase.PRE_SYNC: Stage.PRE_SYNC,
    SyncPhase.SYNC: Stage.SYNC,
    SyncPhase.POST_SYNC: Stage.POST_SYNC,
    SyncPhase.SYNC_FAIL: Stage.SYNC_FAIL,
}


def stage_of(phase: SyncPhase) -> Stage:
    """The stage an apply task of ``phase`` runs in."""
    return _STAGE_OF_PHASE[phase]


class Action(enum.StrEnum):
    APPLY = "apply"
    PRUNE = "prune"


@dataclass(frozen=True, slots=True)
class Task:
    """One object to apply (``target``, stamped and named) or prune (``live``).

    ``live`` is the object as the caller last saw it (None: not in the cluster, as far as
    known); ``wave`` is the declared wave, which the dependency passes may lower.
    """

    key: ResourceKey
    phase: SyncPhase
    stage: Stage
    wave: int
    action: Action
    target: Manifest | None = None
    live: Manifest | None = None
    hook: Hook | None = None
    options: ResourceOptions = field(default_factory=ResourceOptions)
    skip_dry_run: bool = False

    @property
    def id(self) -> tuple[SyncPhase, ResourceKey]:
        """What a recorded result is found by."""
        return (self.phase, self.key)

    @property
    def is_hook(self) -> bool:
        return self.hook is not None

    @property
    def api_version(self) -> str:
        return str((self.target or self.live or {}).get("apiVersion") or "")

    @property
    def group(self) -> tuple[Stage, int]:
        """The ``(stage, ordering wave)`` this task runs in: prunes count waves downwards."""
        return (self.stage, -self.wave if self.stage.prunes else self.wave)

    def sort_key(self) -> tuple[int, int, int, str, str]:
        rank = kind_rank(self.key.kind)
        stage, wave = self.group
        return (stage, wave, -rank if self.stage.prunes else rank, self.key.name, str(self.key))


def order(tasks: Iterable[Task]) -> list[Task]:
    """``tasks`` sorted by the one key, then the two dependency passes."""
    return definitions_first(namespaces_first(sorted(tasks, key=Task.sort_key)))


def namespaces_first(tasks: list[Task]) -> list[Task]:
    """Move each Namespace before the first task of an object in it."""

    def provides(task: Task) -> str | None:
        return task.key.name if (task.key.group, task.key.kind) == ("", "Namespace") else None

    return _hoist(tasks, provides, lambda task: task.key.namespace or None)


def definitions_first(tasks: list[Task]) -> list[Task]:
    """Move each CustomResourceDefinition before the first custom resource of its kind."""

    def provides(task: Task) -> str | None:
        found = crd_kind(task.target) if task.target is not None else None
        return f"{found[0]}/{found[1]}" if found else None

    return _hoist(tasks, provides, lambda task: f"{task.key.group}/{task.key.kind}")


def crd_kind(obj: Manifest) -> tuple[str, str] | None:
    """``(group, kind)`` a CustomResourceDefinition defines; None for any other object."""
    if obj.get("kind") != CRD_KIND or not str(obj.get("apiVersion", "")).startswith(CRD_GROUP):
        return None
    spec = obj.get("spec")
    names = spec.get("names") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not isinstance(names, dict):
        return None
    group, kind = spec.get("group"), names.get("kind")
    return (group, kind) if isinstance(group, str) and isinstance(kind, str) else None


def _hoist(
    tasks: list[Task],
    provides: Callable[[Task], str | None],
    needs: Callable[[Task], str | None],
) -> list[Task]:
    """Move every apply task that provides something to the place of the first apply task that
    needs it, taking that task's phase, stage and wave."""
    result = list(tasks)
    first_need: dict[str, int] = {}
    for index in range(len(result)):
        task = result[index]
        if task.action is not Action.APPLY:
            continue
        provided = provides(task)
        if provided is None:
            needed = needs(task)
            if needed is not None:
                first_need.setdefault(needed, index)
            continue
        at = first_need.get(provided)
        if at is None:
            continue
        leader = result[at]
        moved = replace(task, phase=leader.phase, stage=leader.stage, wave=leader.wave)
        del result[index]
        result.insert(at, moved)
        first_need = {key: i + 1 if i >= at else i for key, i in first_need.items()}
    return result
