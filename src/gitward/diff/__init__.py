"""The diff engine: is the cluster where Git says it should be, and if not, what differs.

Pure functions over Kubernetes objects as dicts (:data:`gitward.model.objects.Manifest`); no
cluster, no git, no store. The one process it may start is the time-limited jq evaluator for
``ignoreDifferences.jqPathExpressions`` (:mod:`gitward.diff.jq`).

Call sites::

    result = diff.compare(desired, live, last_applied)       # one resource
    result.status, result.modified, result.changes, result.diff

    app = diff.compare_app(desired_objects, live_objects,     # one application
                           ignore=app.ignore_differences, tracked=keys, namespace="dev")
    app.status, app.out_of_sync, app.resources

    to_apply = diff.respect_ignored(desired, live, rules)     # RespectIgnoreDifferences=true
    shown_desired, shown_live = diff.hide_secret_data(desired, live)   # raw objects, masked

Modules: ``normalize`` (one shape for both sides), ``defaults`` (what the API server fills in),
``quantities``, ``lists`` (merge keys), ``ignore`` / ``fieldsets`` / ``jq`` (ignoreDifferences),
``masking`` (Secret values), ``changes`` (predicted live, changed paths, unified text),
``compare`` (one resource), ``app`` (one application).
"""

from __future__ import annotations

from collections.abc import Sequence

from gitward.diff.app import AppDiff, SyncStatus, compare_app, resource_key
from gitward.diff.changes import Change
from gitward.diff.compare import ResourceDiff, ResourceStatus, compare
from gitward.diff.ignore import respect_ignored as _respect_ignored
from gitward.diff.jq import JqRunner, JqWorker, default_runner
from gitward.diff.masking import MASK, hide_secret_data
from gitward.diff.normalize import normalize
from gitward.model.application import IgnoreDifference
from gitward.model.objects import Manifest

__all__ = [
    "MASK",
    "AppDiff",
    "Change",
    "JqRunner",
    "JqWorker",
    "ResourceDiff",
    "ResourceStatus",
    "SyncStatus",
    "compare",
    "compare_app",
    "hide_secret_data",
    "normalize",
    "resource_key",
    "respect_ignored",
]


def respect_ignored(
    desired: Manifest,
    live: Manifest | None,
    rules: Sequence[IgnoreDifference],
    *,
    jq: JqRunner | None = None,
) -> Manifest:
    """``desired`` with every field the matching ``rules`` ignore set to its live value (or
    removed when live lacks it): what sync applies under ``RespectIgnoreDifferences=true``.
    Raises :class:`~gitward.errors.ConfigError` naming a rule that fails."""
    return _respect_ignored(desired, live, rules, jq or default_runner())
