"""The chart port: Helm charts from HTTP(S) chart repositories and OCI registries.

Sources with ``chart:`` and ``Chart.yaml`` dependencies with a ``repository`` are fetched here,
checked, cached by digest and handed to the renderer as directories and archives; the renderer
itself never fetches. See ``repositories`` for the entry point.
"""

from gitward.charts.access import AccessLookup, ChartAccess
from gitward.charts.addresses import AddressPolicy
from gitward.charts.archives import ArchiveLimits
from gitward.charts.dependencies import ChartDependencies, fetch_dependencies
from gitward.charts.repositories import ChartRepositories, ChartRequest

__all__ = [
    "AccessLookup",
    "AddressPolicy",
    "ArchiveLimits",
    "ChartAccess",
    "ChartDependencies",
    "ChartRepositories",
    "ChartRequest",
    "fetch_dependencies",
]
