"""What the operator's settings file says about resources, as the controller uses it.

Argo CD's ``argocd-cm`` configures, for every app at once: Lua health checks per kind, global
``ignoreDifferences``, the kinds never to watch or compare (``resource.exclusions`` /
``inclusions``) and ``resource.compareoptions``. The server parses the file
(``gitward.server.argocdcm``) into one :class:`ResourceOverrides` and hands it to the controller,
again on every reload; the refresh and the operator read :attr:`OverridesHolder.current` at the
start of each step, so a reload takes effect at the next refresh without a restart.
It must not read files: it is given values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gitward.health import HealthCustomizations
from gitward.kube.filtering import NO_FILTER, ResourceFilter
from gitward.model.application import Application, IgnoreDifference
from gitward.model.objects import Manifest, ResourceKey, api_group

__all__ = ["ExcludedSplit", "OverridesHolder", "ResourceOverrides"]

RBAC_GROUP = "rbac.authorization.k8s.io"


@dataclass(frozen=True)
class ResourceOverrides:
    """The resource settings in force (the defaults: none of them)."""

    health: HealthCustomizations = field(default_factory=HealthCustomizations)
    ignore_differences: tuple[IgnoreDifference, ...] = ()
    """Global rules, added to every app's own."""
    resource_filter: ResourceFilter = NO_FILTER
    ignore_aggregated_roles: bool = False
    """``resource.compareoptions`` ``ignoreAggregatedRoles``: the ``rules`` of a ClusterRole
    with an ``aggregationRule`` are the aggregation controller's, not drift."""

    def for_app(self, app: Application, desired: Iterable[Manifest] = ()) -> Application:
        """``app`` with the global rules (and aggregated roles' rules) after its own."""
        extra = list(self.ignore_differences)
        if self.ignore_aggregated_roles:
            extra.extend(_aggregated_role_rules(desired))
        if not extra:
            return app
        return dataclasses.replace(app, ignore_differences=(*app.ignore_differences, *extra))

    def split_excluded(self, objects: Sequence[Manifest], server: str) -> ExcludedSplit:
        """The objects to compare and apply, and the keys of those the filter excludes."""
        if not self.resource_filter:
            return ExcludedSplit(list(objects), ())
        kept, excluded = [], []
        for obj in objects:
            key = ResourceKey.of(obj)
            if self.resource_filter.excludes(key.group, key.kind, server):
                excluded.append(key)
            else:
                kept.append(obj)
        return ExcludedSplit(kept, tuple(excluded))


@dataclass(frozen=True)
class ExcludedSplit:
    kept: list[Manifest]
    excluded: tuple[ResourceKey, ...]

    def warning(self) -> str:
        """Argo CD's ExcludedResourceWarning message for the excluded ones ("" when none)."""
        shown = ", ".join(str(key) for key in self.excluded[:5])
        more = f" and {len(self.excluded) - 5} more" if len(self.excluded) > 5 else ""
        if not self.excluded:
            return ""
        return (
            f"{shown}{more}: excluded by resource.exclusions/inclusions in the settings file; "
            "gitward neither compares nor applies them"
        )


def _aggregated_role_rules(desired: Iterable[Manifest]) -> list[IgnoreDifference]:
    rules = []
    for obj in desired:
        if (
            obj.get("kind") == "ClusterRole"
            and api_group(str(obj.get("apiVersion", ""))) == RBAC_GROUP
            and obj.get("aggregationRule")
        ):
            name = str((obj.get("metadata") or {}).get("name") or "")
            rules.append(
                IgnoreDifference(
                    kind="ClusterRole", group=RBAC_GROUP, name=name, json_pointers=("/rules",)
                )
            )
    return rules


class OverridesHolder:
    """The :class:`ResourceOverrides` in force, replaced whole on a reload."""

    def __init__(self, overrides: ResourceOverrides | None = None) -> None:
        self.current = overrides or ResourceOverrides()
