"""Compare one resource as Git declares it with the one in the cluster.

Three-way when there is a record of what was applied last: ``last_applied`` when the caller
gives one, else the fields gitward's own server-side apply owns in the live object's
``managedFields`` (manager ``gitward``, operation ``Apply``), else the live object's
``kubectl.kubernetes.io/last-applied-configuration`` (an object adopted from ``kubectl apply``
or Argo CD's client-side apply). A field in the record that Git no longer declares is drift: a
removed label, ConfigMap key, env var or Service port makes the resource OutOfSync, and the
next apply removes it. Fields only the cluster or other managers set (defaults, an HPA's
replicas, a ``kubectl edit``) are not in the record, so they are not drift. Two-way without a
record: every field the desired object sets must equal live's; fields only live has are ignored.

With a server-side dry-run (``predicted``: what the API server answered to a dry-run apply of
the desired object, Argo CD's ``ServerSideDiff=true``), the prediction is the server's, so
defaults and admission webhooks agree with live by construction; the engine only normalises,
ignores and masks it.

The steps, each in its own module: normalise all three objects (:mod:`.normalize`), drop the
ignored fields (:mod:`.ignore`), drop live's server defaults that Git does not set, mask Secret
values (:mod:`.masking`), predict live after an apply and list the differences
(:mod:`.changes`). Masking comes before any output is derived, so no Secret value can reach a
change, a diff text or an error message. Nothing here does I/O; a failing ``ignoreDifferences``
rule yields an ``Unknown`` result, never an exception.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gitward.diff import fieldsets
from gitward.diff.changes import Change, changes_between, predict, unified_diff
from gitward.diff.ignore import Ignored
from gitward.diff.jq import JqRunner, default_runner
from gitward.diff.masking import Masker, secret_values
from gitward.diff.normalize import LAST_APPLIED, clean, normalize, prune_live_defaults
from gitward.errors import GitwardError
from gitward.model.annotations import COMPARE_OPTIONS
from gitward.model.application import IgnoreDifference
from gitward.model.objects import FIELD_MANAGER, Manifest, ResourceKey
from gitward.redaction import redact

__all__ = [
    "ResourceDiff",
    "ResourceStatus",
    "compare",
    "compare_resource",
    "key_of",
    "recorded",
]

IGNORE_EXTRANEOUS = "IgnoreExtraneous"


class ResourceStatus(enum.StrEnum):
    """Where one resource stands against Git."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    MISSING = "Missing"
    """In Git, not in the cluster."""
    REQUIRES_PRUNING = "RequiresPruning"
    """In the cluster and tracked by the app, not in Git."""
    UNKNOWN = "Unknown"
    """The comparison failed; ``error`` says why."""


@dataclass(frozen=True)
class ResourceDiff:
    """The comparison of one resource. ``live`` and ``predicted`` (live after applying Git) are
    normalised and masked; ``changes`` lead from one to the other."""

    key: ResourceKey
    status: ResourceStatus
    changes: tuple[Change, ...] = ()
    live: Manifest | None = None
    predicted: Manifest | None = None
    three_way: bool = False
    ignore_extraneous: bool = False
    error: str | None = None

    @property
    def modified(self) -> bool:
        """Whether applying Git would change the cluster."""
        return self.status in (
            ResourceStatus.OUT_OF_SYNC,
            ResourceStatus.MISSING,
            ResourceStatus.REQUIRES_PRUNING,
        )

    @cached_property
    def diff(self) -> str:
        """A unified diff of normalised live and predicted YAML, headed
        ``live/<kind>/<namespace>/<name>`` and ``desired/...`` (no namespace segment for
        cluster-scoped kinds); ``""`` when nothing differs."""
        if not self.modified:
            return ""
        scope = f"{self.key.namespace}/" if self.key.namespace else ""
        name = f"{self.key.kind}/{scope}{self.key.name}"
        return unified_diff(
            self.live, self.predicted, live_name=f"live/{name}", desired_name=f"desired/{name}"
        )


def compare(
    desired: Manifest | None,
    live: Manifest | None,
    last_applied: Manifest | None = None,
    *,
    ignore: Sequence[IgnoreDifference] = (),
    jq: JqRunner | None = None,
) -> ResourceDiff:
    """Compare ``desired`` (from Git; None when Git no longer has it) with ``live`` (None when
    the cluster lacks it), three-way when ``last_applied`` or live's last-applied annotation
    says what was applied before. ``ignore`` holds the app's and the global rules."""
    subject = desired if desired is not None else live
    if subject is None:
        raise ValueError("compare() needs a desired or a live object")
    return compare_resource(key_of(subject), desired, live, last_applied, ignore=ignore, jq=jq)


def key_of(obj: Manifest) -> ResourceKey:
    """``obj``'s key, even when its metadata is malformed (then it has no name)."""
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        return ResourceKey.of(obj)
    return ResourceKey.of({**obj, "metadata": {}})


def compare_resource(
    key: ResourceKey,
    desired: Manifest | None,
    live: Manifest | None,
    last_applied: Manifest | None = None,
    *,
    ignore: Sequence[IgnoreDifference] = (),
    jq: JqRunner | None = None,
    predicted: Manifest | None = None,
) -> ResourceDiff:
    """:func:`compare` for a resource whose key the caller has already settled (the app level
    fills in default namespaces and knows which kinds are cluster-scoped). ``predicted`` is the
    server's answer to a dry-run apply of ``desired``; it replaces the local prediction."""
    if predicted is not None and desired is not None and live is not None:
        return _compare_predicted(key, desired, live, predicted, ignore=ignore, jq=jq)
    record = last_applied if last_applied is not None else recorded(live, desired)
    extraneous = desired is None and _ignores_extraneous(live)
    try:
        target, current, previous = _prepared(key, desired, live, record, rules=ignore, jq=jq)
    except GitwardError as error:
        scrubbed = redact(error.message, *secret_values([desired, live, record]))
        return ResourceDiff(key, ResourceStatus.UNKNOWN, error=f"{key}: {scrubbed}")
    three_way = previous is not None and target is not None
    if current is None:
        return ResourceDiff(
            key, ResourceStatus.MISSING, (Change((), None, target),), None, target, three_way
        )
    if target is None:
        return ResourceDiff(
            key,
            ResourceStatus.REQUIRES_PRUNING,
            (Change((), current, None),),
            current,
            None,
            ignore_extraneous=extraneous,
        )
    predicted = predict(current, target, previous)
    changes = tuple(changes_between(current, predicted))
    status = ResourceStatus.OUT_OF_SYNC if changes else ResourceStatus.SYNCED
    return ResourceDiff(key, status, changes, current, predicted, three_way)


def _compare_predicted(
    key: ResourceKey,
    desired: Manifest,
    live: Manifest,
    predicted: Manifest,
    *,
    ignore: Sequence[IgnoreDifference],
    jq: JqRunner | None,
) -> ResourceDiff:
    """Live against the server's prediction: both normalised, ignored fields dropped, masked."""
    try:
        current, after = (normalize(obj) for obj in (live, predicted))
        if "apiVersion" in after:
            current["apiVersion"] = after["apiVersion"]
        ignored = Ignored.of(ignore, key, live)
        if ignored:
            runner = jq or default_runner()
            current, after = (_without(ignored, obj, runner) or {} for obj in (current, after))
    except GitwardError as error:
        scrubbed = redact(error.message, *secret_values([desired, live, predicted]))
        return ResourceDiff(key, ResourceStatus.UNKNOWN, error=f"{key}: {scrubbed}")
    masker = Masker()
    shown_live, shown_after = masker.mask_data(current), masker.mask_data(after)
    changes = tuple(changes_between(shown_live, shown_after))
    status = ResourceStatus.OUT_OF_SYNC if changes else ResourceStatus.SYNCED
    return ResourceDiff(key, status, changes, shown_live, shown_after, three_way=True)


Prepared = tuple[Manifest | None, Manifest | None, Manifest | None]


def _prepared(
    key: ResourceKey,
    desired: Manifest | None,
    live: Manifest | None,
    record: Manifest | None,
    *,
    rules: Sequence[IgnoreDifference],
    jq: JqRunner | None,
) -> Prepared:
    """Desired, live and last-applied: normalised, ignored fields and live defaults removed,
    Secret values masked."""
    target, current, previous = (
        None if obj is None else normalize(obj) for obj in (desired, live, record)
    )
    ignored = Ignored.of(rules, key, live)
    if ignored:
        runner = jq or default_runner()
        target, current, previous = (
            _without(ignored, obj, runner) for obj in (target, current, previous)
        )
    if current is not None and target is not None:
        if "apiVersion" in target:
            current["apiVersion"] = target["apiVersion"]
        prune_live_defaults(current, target)
    masker = Masker()
    return masker.mask_data(target), masker.mask_data(current), masker.mask_data(previous)


def _without(ignored: Ignored, obj: Manifest | None, jq: JqRunner) -> Manifest | None:
    if obj is None:
        return None
    ignored.remove_from(obj, jq)
    cleaned: Manifest = clean(obj)
    return cleaned


def recorded(live: Manifest | None, desired: Manifest | None = None) -> Manifest | None:
    """What was applied last to ``live``: the part gitward's server-side apply owns, else what
    kubectl (or a client-side apply) wrote in its last-applied annotation; None: no record.

    With ``desired``, gitward's record comes back empty when ``desired`` still declares every
    field of it: it would remove nothing, and the comparison is the same but cheaper."""
    if live is None:
        return None
    tree = fieldsets.applied_tree(live, FIELD_MANAGER)
    if tree is None:
        return _annotated(live)
    if desired is not None and not fieldsets.leaves_out(tree, desired):
        return {}
    return fieldsets.applied_record(live, FIELD_MANAGER)


def _annotated(live: Manifest | None) -> Manifest | None:
    """What kubectl (or a client-side apply) recorded in live's last-applied annotation."""
    text = _annotations(live).get(LAST_APPLIED)
    if not isinstance(text, str):
        return None
    try:
        recorded = json.loads(text)
    except ValueError:
        return None
    return recorded if isinstance(recorded, dict) else None


def _ignores_extraneous(live: Manifest | None) -> bool:
    options = str(_annotations(live).get(COMPARE_OPTIONS, ""))
    return IGNORE_EXTRANEOUS in (option.strip() for option in options.split(","))


def _annotations(obj: Manifest | None) -> dict[str, Any]:
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}
