"""What one sync step works with: the cluster, the app, and what Git and the cluster hold now.

A context is made afresh for every step (nothing in it is stored): the controller renders the
operation's revision again (cached by SHA), reads the live objects from its cache, and hands both
over. A resumed sync needs nothing else. This module must not talk to a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gitward import health
from gitward.kube.cluster import Cluster
from gitward.kube.tracking import DEFAULT_TRACKING, Tracking
from gitward.model.application import Application
from gitward.model.objects import Manifest

__all__ = ["Assess", "SyncContext", "utc_now"]

Assess = Callable[[Manifest], health.Health]
"""Judges one live object (``health.assess``, or a closure over the app's customizations)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SyncContext:
    """The inputs of one step.

    ``desired``: the rendered objects of the operation's revision, hooks included, namespaces
    set (as the renderer leaves them). ``live``: the live objects the caller knows that matter to
    the app: those with a desired object's key and those tracked by the app (the prune
    candidates); they decide created/configured/unchanged, ApplyOutOfSyncOnly and shared
    resources. Before anything is deleted or waited on, gitward reads the object again through
    ``cluster``. ``desired_complete`` is False when the render or the comparison failed: then
    nothing is pruned. ``assess`` judges health; ``clock`` tells the time (tests pass their own).
    """

    cluster: Cluster
    app: Application
    desired: Sequence[Manifest]
    live: Sequence[Manifest] = ()
    desired_complete: bool = True
    tracking: Tracking = DEFAULT_TRACKING
    assess: Assess = health.assess
    clock: Callable[[], datetime] = utc_now
    poll_interval_s: float = 2.0
    concurrency: int = 8
    crd_ready_timeout_s: float = 10.0
