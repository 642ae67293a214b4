"""A chart fetched for a ``Chart.yaml`` dependency, as the chart port hands it to the renderer.

``gitward.charts`` fetches it and ``gitward.render`` puts it into the chart's ``charts/``; it sits
here, below both, so the renderer need not load the port (and its HTTP client) to name it. Pure
data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["FetchedChart"]


@dataclass(frozen=True, slots=True)
class FetchedChart:
    """The name it takes in ``charts/`` (``web-1.2.0.tgz``, as ``helm dependency build`` names
    it), the archive or chart directory to put there, the chart's name and version, and the
    indexes of the ``dependencies`` entries it was fetched for (one file can serve several)."""

    file_name: str
    path: Path
    chart: str
    version: str
    declared_at: tuple[int, ...] = ()
