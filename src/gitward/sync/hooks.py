"""Hooks: objects that run at a point of a sync (a migration Job before, a smoke test after)
instead of being kept in the cluster like the app's resources.

An object is a hook when it carries ``argocd.argoproj.io/hook`` or, failing that, Helm's
``helm.sh/hook`` (Argo CD reads Helm hooks so that charts work unchanged):

=====================================  ==================================================
``argocd.argoproj.io/hook``             PreSync, Sync, PostSync, SyncFail (comma-separated);
                                        Skip alone: the object is not applied at all;
                                        PreDelete, PostDelete: run on app deletion, not here
``helm.sh/hook``                        pre-install, pre-upgrade -> PreSync;
                                        post-install, post-upgrade -> PostSync;
                                        test, delete and rollback hooks never run in a sync;
                                        crd-install alone is no hook (a plain resource)
``...hook-delete-policy`` (both)        BeforeHookCreation (the default), HookSucceeded,
                                        HookFailed; Helm's before-hook-creation,
                                        hook-succeeded, hook-failed mean the same
=====================================  ==================================================

Where Argo CD silently drops a value it does not know (``hook: Presync`` makes a hook that never
runs), gitward refuses the object with an error naming it: a typo must not skip a migration.
A hook named by ``metadata.generateName`` gets a name unique to the sync operation, and every
hook object is created carrying ``argocd.argoproj.io/hook-finalizer`` (:func:`with_finalizer`),
as Argo CD does, so that it cannot vanish before the sync has read how it ended
(:mod:`gitward.sync.finalizing` removes it). Hooks are never the app's resources: they are not
pruned. This module must not talk to a cluster.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gitward.errors import Location, ManifestError
from gitward.model.annotations import (
    HELM_HOOK,
    HELM_HOOK_DELETE_POLICY,
    HOOK,
    HOOK_DELETE_POLICY,
    HOOK_FINALIZER,
)
from gitward.model.objects import Manifest
from gitward.sync.results import SyncPhase

__all__ = [
    "DeletePolicy",
    "Hook",
    "HookType",
    "finalizers_of",
    "hook_name",
    "hook_of",
    "is_skipped",
    "with_finalizer",
]


class HookType(enum.StrEnum):
    """The values of ``argocd.argoproj.io/hook``."""

    PRE_SYNC = "PreSync"
    SYNC = "Sync"
    POST_SYNC = "PostSync"
    SYNC_FAIL = "SyncFail"
    SKIP = "Skip"
    PRE_DELETE = "PreDelete"
    POST_DELETE = "PostDelete"


class DeletePolicy(enum.StrEnum):
    """When gitward deletes a hook object."""

    BEFORE_HOOK_CREATION = "BeforeHookCreation"
    HOOK_SUCCEEDED = "HookSucceeded"
    HOOK_FAILED = "HookFailed"


_PHASE_OF: Mapping[HookType, SyncPhase] = {
    HookType.PRE_SYNC: SyncPhase.PRE_SYNC,
    HookType.SYNC: SyncPhase.SYNC,
    HookType.POST_SYNC: SyncPhase.POST_SYNC,
    HookType.SYNC_FAIL: SyncPhase.SYNC_FAIL,
}

_HELM_PHASES: Mapping[str, SyncPhase | None] = {
    "pre-install": SyncPhase.PRE_SYNC,
    "pre-upgrade": SyncPhase.PRE_SYNC,
    "post-install": SyncPhase.POST_SYNC,
    "post-upgrade": SyncPhase.POST_SYNC,
    "pre-delete": None,
    "post-delete": None,
    "pre-rollback": None,
    "post-rollback": None,
    "test": None,
    "test-success": None,
    "test-failure": None,
}
_HELM_CRD_INSTALL = "crd-install"

_HELM_POLICIES: Mapping[str, DeletePolicy] = {
    "before-hook-creation": DeletePolicy.BEFORE_HOOK_CREATION,
    "hook-succeeded": DeletePolicy.HOOK_SUCCEEDED,
    "hook-failed": DeletePolicy.HOOK_FAILED,
}


@dataclass(frozen=True, slots=True)
class Hook:
    """How a hook runs: the sync phases it runs in (none: it never runs in a sync) and when it
    is deleted."""

    phases: frozenset[SyncPhase]
    delete_policies: frozenset[DeletePolicy]

    def deletes(self, policy: DeletePolicy) -> bool:
        return policy in self.delete_policies


def hook_of(obj: Manifest, where: Location) -> Hook | None:
    """The hook ``obj`` is, or None for a plain resource (or one to skip: see
    :func:`is_skipped`). Raises :class:`ManifestError` for a value gitward does not know."""
    notes = _annotations(obj)
    if HOOK in notes:
        types = _argocd_types(notes[HOOK], where.at(f"metadata.annotations[{HOOK}]"))
        if types == {HookType.SKIP}:
            return None
        phases = frozenset(_PHASE_OF[t] for t in types if t in _PHASE_OF)
    elif HELM_HOOK in notes:
        names = _csv(notes[HELM_HOOK])
        if set(names) <= {_HELM_CRD_INSTALL}:
            return None
        phases = _helm_phases(names, where.at(f"metadata.annotations[{HELM_HOOK}]"))
    else:
        return None
    return Hook(phases, _delete_policies(notes, where))


def is_skipped(obj: Manifest, where: Location) -> bool:
    """Whether ``obj`` says ``argocd.argoproj.io/hook: Skip`` (and nothing else): never applied."""
    notes = _annotations(obj)
    if HOOK not in notes:
        return False
    return _argocd_types(notes[HOOK], where.at(f"metadata.annotations[{HOOK}]")) == {HookType.SKIP}


def hook_name(obj: Manifest, *, revision: str, phase: SyncPhase, operation_id: str) -> str:
    """The name to create a hook under: its own, or for a ``generateName`` hook one unique to
    this operation and phase (``<generateName><rev7>-<phase>-<operation id>``), the same at every
    step so that a resumed sync finds the object it created."""
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name") or "")
    if name:
        return name
    prefix = str(metadata.get("generateName") or "")
    return f"{prefix}{revision[:7]}-{phase.value}-{operation_id}".lower()


def with_finalizer(obj: Manifest) -> Manifest:
    """``obj`` with the hook finalizer added to its own finalizers (once)."""
    metadata = obj.get("metadata") or {}
    finalizers = finalizers_of(obj)
    if HOOK_FINALIZER in finalizers:
        return obj
    return {**obj, "metadata": {**metadata, "finalizers": [*finalizers, HOOK_FINALIZER]}}


def finalizers_of(obj: Manifest | None) -> list[str]:
    metadata = (obj or {}).get("metadata")
    found = metadata.get("finalizers") if isinstance(metadata, dict) else None
    return [str(item) for item in found] if isinstance(found, list) else []


def _annotations(obj: Manifest) -> Mapping[str, str]:
    metadata = obj.get("metadata")
    notes = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(notes, dict):
        return {}
    return {str(k): str(v) for k, v in notes.items()}


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _argocd_types(text: str, where: Location) -> set[HookType]:
    known = {t.value: t for t in HookType}
    types: set[HookType] = set()
    for name in _csv(text):
        if name not in known:
            raise ManifestError(
                f"{name!r} is not a hook type",
                where=where,
                hint=f"Use one of {', '.join(known)} (comma-separated, case as written)",
            )
        types.add(known[name])
    return types


def _helm_phases(names: list[str], where: Location) -> frozenset[SyncPhase]:
    phases: set[SyncPhase] = set()
    for name in names:
        if name == _HELM_CRD_INSTALL:
            continue
        if name not in _HELM_PHASES:
            raise ManifestError(
                f"{name!r} is not a Helm hook",
                where=where,
                hint=f"Use one of {', '.join(_HELM_PHASES)}",
            )
        phase = _HELM_PHASES[name]
        if phase is not None:
            phases.add(phase)
    return frozenset(phases)


def _delete_policies(notes: Mapping[str, str], where: Location) -> frozenset[DeletePolicy]:
    known = {p.value: p for p in DeletePolicy}
    policies: set[DeletePolicy] = set()
    for key, table in ((HOOK_DELETE_POLICY, known), (HELM_HOOK_DELETE_POLICY, _HELM_POLICIES)):
        for name in _csv(notes.get(key, "")):
            if name not in table:
                raise ManifestError(
                    f"{name!r} is not a hook delete policy",
                    where=where.at(f"metadata.annotations[{key}]"),
                    hint=f"Use one of {', '.join(table)}",
                )
            policies.add(table[name])
    return frozenset(policies or {DeletePolicy.BEFORE_HOOK_CREATION})
