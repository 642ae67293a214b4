"""Sync windows as the controller and the API apply them to one app.

The rules live in :mod:`gitward.model.windows`. This module takes an app's windows (the
``syncWindows`` of its project, as :class:`~gitward.controller.reads.StoreReads` parses it) and
turns a verdict into what each caller needs: the gate that holds automated syncs in
:func:`~gitward.controller.deciding.decide`, the refusal of a manual
sync or rollback (a ``SyncWindowError`` naming the window and when a sync may start), and the
hold of an operation that a window closed on. Dry runs change nothing, so no window holds them
(Argo CD refuses them too). It must not decide anything else, nor write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gitward.controller.deciding import OPEN, Gate
from gitward.errors import Location, SyncWindowError
from gitward.model.application import Application
from gitward.model.project import AppProject
from gitward.model.windows import SyncWindow, Target, Verdict, verdict

__all__ = ["automated_gate", "check_manual", "running_verdict", "target_of"]

BLOCKED = "blocked by sync window"
"""How Argo CD words it (``Cannot sync: Blocked by sync window``); messages start with it."""


def target_of(app: Application) -> Target:
    """What the app's windows are matched against: its name and destination as written."""
    destination = app.destination
    return Target(
        app=app.name,
        namespace=destination.namespace,
        server=destination.server,
        cluster=destination.name,
    )


def automated_gate(project: AppProject | None, app: Application, now: datetime) -> Gate:
    """The gate in front of the app's automated syncs (selfHeal included)."""
    if project is None or not project.sync_windows:
        return OPEN
    found = verdict(project.sync_windows, target_of(app), now)
    if found.allowed:
        return OPEN
    reason = f"automated sync {BLOCKED} of project {project.name!r}: {found.reason}"
    return Gate(False, reason, found.until)


def check_manual(
    project: AppProject | None,
    app: Application,
    now: datetime,
    *,
    what: str = "sync",
    dry_run: bool = False,
) -> None:
    """Refuse a person's sync (``what``: "sync" or "rollback") that the windows block now."""
    if dry_run or project is None or not project.sync_windows:
        return
    found = verdict(project.sync_windows, target_of(app), now, manual=True)
    if found.allowed:
        return
    raise SyncWindowError(
        f"cannot {what} Application {app.name}: {BLOCKED}: {found.reason}",
        where=_located(project, found),
        until=found.until,
        hint="Sync once the window lets it, or set `manualSync: true` on the window to let "
        "people sync while it blocks automated syncs",
    )


def running_verdict(
    project: AppProject | None,
    app: Application,
    now: datetime,
    *,
    manual: bool,
    started_at: datetime,
) -> Verdict:
    """Whether a running operation may take its next step (``syncOverrun`` lets it go on)."""
    if project is None or not project.sync_windows:
        return Verdict(True)
    return verdict(project.sync_windows, target_of(app), now, manual=manual, started_at=started_at)


def _located(project: AppProject, found: Verdict) -> Location:
    where = Location(file=project.file, obj=f"AppProject {project.name}")
    if not found.blocking:
        return where
    return where.at(f"spec.syncWindows[{_index(project.sync_windows, found.blocking[0].window)}]")


def _index(windows: Sequence[SyncWindow], window: SyncWindow) -> int:
    return next((i for i, candidate in enumerate(windows) if candidate is window), 0)
