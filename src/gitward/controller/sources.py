"""Wiring from an Application's sources to rendered objects: the git port, then the renderer.

``GitWorkspace`` decides which files a source is read from (a revision of a repository, or a
local directory, or a chosen commit of a local clone, or a chart version from a chart
repository); ``SourceRendering`` fetches a Helm chart's repository dependencies through the
chart port and hands everything to the renderer off the event loop. ``read_root_file`` reads
the Applications of a file on disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gitward.charts import ChartDependencies, ChartRepositories, ChartRequest, fetch_dependencies
from gitward.controller.appofapps import Declared, declared_by
from gitward.errors import GitwardError, Location, UsageError
from gitward.git.repo import Checkout, Repositories
from gitward.model.application import Application
from gitward.model.capabilities import Capabilities
from gitward.model.objects import Manifest
from gitward.model.sources import Source
from gitward.render import Renderer, manifests
from gitward.render.detect import Generator, detect_generator
from gitward.render.request import FetchedChart, RenderRequest

__all__ = ["GitWorkspace", "SourceRendering", "read_root_file"]


class GitWorkspace:
    """Checkouts through the git port; ``revision`` (when set) replaces the targetRevision of
    every repository served from a local clone, so a commit can be previewed as a whole."""

    def __init__(
        self,
        repos: Repositories,
        revision: str | None = None,
        charts: ChartRepositories | None = None,
    ) -> None:
        self._repos = repos
        self._revision = revision
        self._charts = charts

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        if self._revision is not None and self._repos.local_path(repo_url) is not None:
            return await self._repos.checkout_commit(repo_url, self._revision, where=where)
        return await self._repos.checkout(repo_url, revision, where=where)

    async def checkout_chart(self, source: Source, *, where: Location | None = None) -> Checkout:
        """The chart of a ``chart:`` source, at the version its targetRevision names now."""
        request = chart_request(source, where)
        charts = require_charts(self._charts, request)
        version = await charts.resolve(request, source.target_revision)
        return await charts.checkout(request, version)


def chart_request(source: Source, where: Location | None) -> ChartRequest:
    """What the chart port is asked for a ``chart:`` source."""
    passing = bool(source.helm and source.helm.pass_credentials)
    return ChartRequest(source.repo_url, source.chart, where, passing)


def require_charts(charts: ChartRepositories | None, request: ChartRequest) -> ChartRepositories:
    if charts is None:
        raise UsageError(
            f"{request.shown} comes from a chart repository, which this command does not read",
            hint="Render it with gitward render or the server",
        )
    return charts


class SourceRendering:
    """Renders one source with the in-process renderer, in a worker thread; fetches a Helm
    chart's repository dependencies first (when given the chart port)."""

    def __init__(self, renderer: Renderer, charts: ChartRepositories | None = None) -> None:
        self._renderer = renderer
        self._charts = charts

    async def render_source(
        self,
        app: Application,
        source: Source,
        checkout: Checkout,
        refs: Mapping[str, Checkout],
        capabilities: Capabilities | None = None,
    ) -> tuple[list[tuple[Manifest, str | None]], list[str]]:
        dependencies = await self._dependencies(app, source, checkout)
        rendered = await self._renderer.render_async(
            app,
            source,
            checkout.root,
            sha=checkout.sha,
            refs={name: ref.root for name, ref in refs.items()},
            ref_shas={name: ref.sha for name, ref in refs.items() if ref.sha},
            file=app.file,
            capabilities=capabilities,
            dependencies=dependencies,
        )
        return list(zip(rendered.objects, rendered.origins, strict=True)), rendered.warnings

    async def _dependencies(
        self, app: Application, source: Source, checkout: Checkout
    ) -> tuple[FetchedChart, ...]:
        """The repository dependencies of a Helm source's chart, fetched (none otherwise)."""
        if self._charts is None:
            return ()
        request = RenderRequest(app=app, source=source, root=checkout.root, app_file=app.file)
        try:
            chart_dir = request.source_dir()
            if detect_generator(request) != Generator.HELM:
                return ()
        except GitwardError:
            return ()  # the render names what is wrong with the source
        if not (chart_dir / "Chart.yaml").is_file():
            return ()
        chart = ChartDependencies(
            chart_dir=chart_dir,
            root=checkout.root,
            shown=request.repo_path("").rstrip("/") or ".",
            obj=request.obj,
            pass_credentials=bool(source.helm and source.helm.pass_credentials),
        )
        return await fetch_dependencies(self._charts, chart)


def read_root_file(path: Path) -> Declared:
    """The Applications, AppProjects and ApplicationSets of a file; fails unless it declares
    at least one app or set."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file", hint="Name a file holding the root Application")
    shown = str(path)
    objects = manifests.load_file(path, shown_as=shown)
    declared = declared_by((obj, shown) for obj in objects)
    if declared.errors:
        raise declared.errors[0]
    if not declared.apps and not declared.sets:
        raise UsageError(
            f"{shown}: no Application found",
            hint="Name a file with an argoproj.io/v1alpha1 Application (the root app) or "
            "ApplicationSet",
        )
    return declared
