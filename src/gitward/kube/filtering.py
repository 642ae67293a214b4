"""Which kinds gitward may know of at all: Argo CD's ``resource.exclusions`` and ``inclusions``.

A kind excluded here is never listed nor watched by the live cache, never compared and never
applied; at scale this is what keeps high-churn kinds (a CI system's runs, policy reports) from
costing memory and API calls. The rules match Argo CD's: an entry matches a resource when one of
its ``apiGroups`` matches the group (a glob; none listed: every group), one of its ``kinds`` is
the kind or ``*`` (none listed: every kind) and one of its ``clusters`` matches the cluster's
address (a glob; none listed: every cluster). An exclusion always wins; when inclusions name a
cluster, only what they include is kept there. This module must not talk to a cluster.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NO_FILTER", "FilteredResource", "ResourceFilter"]


@dataclass(frozen=True, slots=True)
class FilteredResource:
    """One entry of ``resource.exclusions`` or ``resource.inclusions``."""

    api_groups: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()

    def matches_cluster(self, cluster: str) -> bool:
        return not self.clusters or any(fnmatch.fnmatchcase(cluster, c) for c in self.clusters)

    def matches(self, group: str, kind: str, cluster: str) -> bool:
        groups = not self.api_groups or any(
            fnmatch.fnmatchcase(group, pattern) for pattern in self.api_groups
        )
        kinds = not self.kinds or any(item in ("*", kind) for item in self.kinds)
        return groups and kinds and self.matches_cluster(cluster)


@dataclass(frozen=True, slots=True)
class ResourceFilter:
    """The exclusions and inclusions in force (empty: everything is kept)."""

    exclusions: tuple[FilteredResource, ...] = ()
    inclusions: tuple[FilteredResource, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.exclusions or self.inclusions)

    def excludes(self, group: str, kind: str, cluster: str = "") -> bool:
        """Whether ``group``/``kind`` on the cluster at ``cluster`` (its address) is left out."""
        if _any(self.exclusions, group, kind, cluster):
            return True
        if _any(self.inclusions, group, kind, cluster):
            return False
        return any(entry.matches_cluster(cluster) for entry in self.inclusions)


def _any(entries: Sequence[FilteredResource], group: str, kind: str, cluster: str) -> bool:
    return any(entry.matches(group, kind, cluster) for entry in entries)


NO_FILTER = ResourceFilter()
