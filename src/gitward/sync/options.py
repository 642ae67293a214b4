"""Sync options: the ``Key=Value`` switches of ``syncPolicy.syncOptions``, a sync request, and the
``argocd.argoproj.io/sync-options`` annotation of one resource.

An app-level option is the default for every resource; the annotation on a resource wins over it
for that resource (Argo CD: "setting a Prune sync option on the resource will always override").
Keys are Argo CD's, spelled exactly; values are read case-insensitively. A value gitward cannot
read (``Prune=flase``) is an error naming the resource, never silently the default: a typo must
not prune. Keys gitward does not know are left alone (the model warns about them).

Notes on gitward's reading: server-side apply is always used (``ServerSideApply`` is accepted
and changes nothing); ``Force=true`` matters only with ``Replace=true`` (delete, then create), since
every apply already forces field-manager conflicts as Argo CD's server-side apply does.
This module must not talk to a cluster.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gitward.errors import Location, ManifestError
from gitward.kube.cluster import Propagation
from gitward.model.annotations import SYNC_OPTIONS

__all__ = [
    "PruneMode",
    "ResourceOptions",
    "SyncOptions",
    "parse_options",
    "resource_options",
    "sync_options",
]


class PruneMode(enum.StrEnum):
    """``Prune=`` of a resource: prune it, never prune it, or prune it only once confirmed."""

    ALLOW = "true"
    NEVER = "false"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class ResourceOptions:
    """The options that may differ per resource."""

    prune: PruneMode = PruneMode.ALLOW
    prune_last: bool = False
    replace: bool = False
    force: bool = False
    validate: bool = True
    skip_dry_run_on_missing: bool = False


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """The options of one sync: app-level switches and the per-resource defaults."""

    create_namespace: bool = False
    apply_out_of_sync_only: bool = False
    fail_on_shared_resource: bool = False
    respect_ignore_differences: bool = False
    prune_propagation: Propagation = "Foreground"
    defaults: ResourceOptions = field(default_factory=ResourceOptions)


_PROPAGATION: Mapping[str, Propagation] = {
    "foreground": "Foreground",
    "background": "Background",
    "orphan": "Orphan",
}
_BOOLEANS = {"true": True, "false": False}


def parse_options(items: Iterable[str], where: Location) -> dict[str, str]:
    """``["Prune=false", " PruneLast=true "]`` -> ``{"Prune": "false", "PruneLast": "true"}``;
    the last of a repeated key wins. An item without ``=`` is an error."""
    found: dict[str, str] = {}
    for item in items:
        text = item.strip()
        if not text:
            continue
        key, equals, value = text.partition("=")
        if not equals or not key.strip():
            raise ManifestError(
                f"sync option {text!r} is not Key=Value",
                where=where,
                hint='Write options as Key=Value, e.g. "Prune=false"',
            )
        found[key.strip()] = value.strip().lower()
    return found


def sync_options(items: Iterable[str], where: Location) -> SyncOptions:
    """The options of a sync from the app's and the request's items (later items win)."""
    options = parse_options(items, where)
    policy = options.get("PrunePropagationPolicy", "foreground")
    if policy not in _PROPAGATION:
        raise ManifestError(
            f"PrunePropagationPolicy={policy} is not a deletion propagation policy",
            where=where,
            hint="Use foreground, background or orphan",
        )
    return SyncOptions(
        create_namespace=_flag(options, "CreateNamespace", False, where),
        apply_out_of_sync_only=_flag(options, "ApplyOutOfSyncOnly", False, where),
        fail_on_shared_resource=_flag(options, "FailOnSharedResource", False, where),
        respect_ignore_differences=_flag(options, "RespectIgnoreDifferences", False, where),
        prune_propagation=_PROPAGATION[policy],
        defaults=_resource(options, ResourceOptions(), where),
    )


def resource_options(
    annotations: Mapping[str, str], defaults: ResourceOptions, where: Location
) -> ResourceOptions:
    """One resource's options: its sync-options annotation over the app-level ``defaults``."""
    text = annotations.get(SYNC_OPTIONS, "")
    if not text:
        return defaults
    at = where.at(f"metadata.annotations[{SYNC_OPTIONS}]")
    return _resource(parse_options(text.split(","), at), defaults, at)


def _resource(
    options: Mapping[str, str], base: ResourceOptions, where: Location
) -> ResourceOptions:
    prune = options.get("Prune", base.prune.value)
    modes = {mode.value: mode for mode in PruneMode}
    if prune not in modes:
        raise ManifestError(
            f"Prune={prune} is not true, false or confirm",
            where=where,
            hint="Write Prune=false to keep the resource, Prune=confirm to prune it on request",
        )
    return ResourceOptions(
        prune=modes[prune],
        prune_last=_flag(options, "PruneLast", base.prune_last, where),
        replace=_flag(options, "Replace", base.replace, where),
        force=_flag(options, "Force", base.force, where),
        validate=_flag(options, "Validate", base.validate, where),
        skip_dry_run_on_missing=_flag(
            options, "SkipDryRunOnMissingResource", base.skip_dry_run_on_missing, where
        ),
    )


def _flag(options: Mapping[str, str], key: str, default: bool, where: Location) -> bool:
    if key not in options:
        return default
    value = options[key]
    if value not in _BOOLEANS:
        raise ManifestError(
            f"{key}={value} is not true or false",
            where=where,
            hint=f"Write {key}=true or {key}=false",
        )
    return _BOOLEANS[value]
