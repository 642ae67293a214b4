"""What one render is about: the app, the source, the checkout, and how to name places in errors.

Every generator (Helm, directory, kustomize) takes a ``RenderRequest`` so that each one resolves
paths the same way (inside the checkout, through ``gitward.git.paths``) and names the same
Application and field in its errors. It must not render anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gitward.errors import Location
from gitward.git import paths
from gitward.model.application import Application
from gitward.model.capabilities import Capabilities
from gitward.model.charts import FetchedChart
from gitward.model.sources import Source
from gitward.render.limits import DEFAULT_LIMITS, Limits
from gitward.render.manifests import Sourced

__all__ = ["FetchedChart", "Generated", "RenderRequest"]


@dataclass(frozen=True, slots=True)
class RenderRequest:
    """One source of one app, to be rendered from the checkout at ``root``.

    ``refs`` maps the ``ref`` names of an app's other sources to their checkout roots (for
    ``$ref/path`` value files); ``app_file`` is the file the Application was read from.
    """

    app: Application
    source: Source
    root: Path
    sha: str | None = None
    refs: Mapping[str, Path] = field(default_factory=dict)
    app_file: str | None = None
    limits: Limits = DEFAULT_LIMITS
    capabilities: Capabilities | None = None
    """The destination cluster's version and APIs, for Helm's ``.Capabilities`` (None: Helm's
    defaults, as ``helm template`` without a cluster)."""
    dependencies: tuple[FetchedChart, ...] = ()
    """Chart archives and directories fetched for a Helm chart's ``Chart.yaml`` dependencies
    (by ``gitward.charts``), added to its ``charts/`` before it is loaded."""

    @property
    def obj(self) -> str:
        """How errors name the app: ``Application ai-chatbot-dev``."""
        return f"Application {self.app.name}"

    @property
    def namespace(self) -> str:
        """The destination namespace."""
        return self.app.destination.namespace

    @property
    def field_prefix(self) -> str:
        """``spec.source``, or ``spec.sources[i]`` for the i-th source of a multi-source app."""
        if self.app.multi_source:
            for index, candidate in enumerate(self.app.sources):
                if candidate is self.source or candidate == self.source:
                    return f"spec.sources[{index}]"
        return "spec.source"

    @property
    def source_path(self) -> str:
        """The source's path inside its repository (``.`` for the root)."""
        return self.source.path.strip("/") or "."

    def where(self, field_name: str | None = None) -> Location:
        """The Application's file and a field of this source, e.g. ``helm.valueFiles[0]``."""
        full = f"{self.field_prefix}.{field_name}" if field_name else self.field_prefix
        return Location(file=self.app_file, obj=self.obj, field=full)

    def at_file(self, file: str, line: int | None = None) -> Location:
        """A file of the repository (and a line in it), for errors about its content."""
        shown = f"{file}:{line}" if line is not None else file
        return Location(file=shown, obj=self.obj)

    def source_dir(self) -> Path:
        """The real directory of ``source.path`` inside the checkout; raises if it escapes."""
        return paths.resolve_inside(self.root, self.source_path, where=self.where("path"))

    def repo_path(self, relative_to_source: str) -> str:
        """A path under the source directory, as shown from the repository root."""
        if self.source_path == ".":
            return relative_to_source
        return f"{self.source_path}/{relative_to_source}"


@dataclass
class Generated:
    """What a generator produced for one source: objects with origins, and warnings."""

    objects: list[Sourced] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
