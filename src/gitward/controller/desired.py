"""What Git wants for an app: its sources resolved to commits and rendered at those commits.

A refresh resolves each source's targetRevision (through the cycle's :class:`RevisionCache`) and
renders the commits it found; a sync step renders the commits its operation recorded, so that a
resumed or long sync keeps deploying what it started with. Renders are cached by SHA in the
renderer, so rendering the same commits again costs a lookup. The ApplicationSets among the
rendered objects are replaced by the Applications they generate (git generators read the
revision they name, resolved through the same cache); a set that cannot be expanded fails the
render, so the parent compares and prunes nothing. A git generator reads only a repository the
parent's project permits (its ``sourceRepos``), as a source of the parent would: a set must not
read, with the stored credentials, a repository its parent could not deploy from. Checkouts are
cached here: the files of a commit never change, and asking the git port again would run git
(``rev-parse``, ``remote -v``, ``cat-file``) for every app at every refresh. A ``chart:`` source
resolves to a chart version instead (Argo CD records the version as its revision), through the
chart port, whose repository listings follow the same cycles. It must not compare or apply.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from gitward.appsets.declaring import ExistingApps, SetReport, expand_declared
from gitward.appsets.expanding import Expander, Expansion
from gitward.appsets.generating import ClusterInfo, Ports
from gitward.charts import ChartRepositories
from gitward.controller.revisions import RevisionCache
from gitward.controller.sources import SourceRendering, chart_request, require_charts
from gitward.errors import ConfigError, Location
from gitward.git import normalize_repo_url
from gitward.git.refs import is_commit_sha
from gitward.git.repo import Checkout, Repositories
from gitward.model.application import Application
from gitward.model.appsets import ApplicationSet, is_appset
from gitward.model.capabilities import Capabilities
from gitward.model.objects import Manifest
from gitward.model.project import AppProject
from gitward.model.sources import Source
from gitward.render import Renderer
from gitward.render.detect import may_read_only_own_directory, reads_only_own_directory

__all__ = ["CapabilitiesOf", "Desired", "GitSide"]

CapabilitiesOf = Callable[[Application], Awaitable[Capabilities | None]]
"""The destination cluster's capabilities for an app's Helm charts."""

ProjectOf = Callable[[str], Awaitable[AppProject | None]]
"""An AppProject by name (None: no such project)."""

CHECKOUTS_KEPT = 1024
"""Checkouts remembered by (repository, commit); older ones are asked for again."""


@dataclass
class Desired:
    """Rendered objects with the file each came from, at ``revisions`` (one SHA per source)."""

    revisions: tuple[str, ...]
    objects: list[Manifest] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def _no_clusters() -> Sequence[ClusterInfo]:
    return ()


class GitSide:
    """Resolves and renders apps' sources: the git port, the revision cache, the renderer."""

    def __init__(
        self,
        repos: Repositories,
        revisions: RevisionCache,
        renderer: Renderer,
        charts: ChartRepositories | None = None,
    ) -> None:
        self.repos = repos
        self.revisions = revisions
        self.charts = charts
        if charts is not None:
            charts.cycle = lambda: revisions.cycle
        self._rendering = SourceRendering(renderer, charts)
        self._checkouts: OrderedDict[tuple[str, str, str], Checkout] = OrderedDict()
        self.capabilities: CapabilitiesOf | None = None
        """Set by the controller; None (``gitward render``): Helm's defaults."""
        self.clusters: Callable[[], Awaitable[Sequence[ClusterInfo]]] = _no_clusters
        """The registered clusters, for ApplicationSets' clusters generators."""
        self.project_of: ProjectOf | None = None
        """The projects, to confine git generators to the parent's ``sourceRepos`` (None:
        ``gitward render``, which reads only what the person running it can)."""
        self.existing_apps: ExistingApps | None = None
        """The stored apps, for ApplicationSets' policies (None: every generated app is new)."""
        self._expander = Expander()
        self.set_reports: dict[str, list[SetReport]] = {}
        """The ApplicationSets each parent app's last render expanded (or failed to)."""

    async def resolve(self, app: Application, *, hard: bool = False) -> tuple[str, ...]:
        """The commit (or, for a ``chart:`` source, the chart version) each source's
        targetRevision names now."""
        found = []
        for index, source in enumerate(app.sources):
            found.append(await self.resolve_source(source, _where(app, index), hard=hard))
        return tuple(found)

    async def resolve_source(self, source: Source, where: Location, *, hard: bool = False) -> str:
        """What one source's targetRevision names now: a commit SHA or a chart version."""
        if source.chart:
            request = chart_request(source, where)
            charts = require_charts(self.charts, request)
            return await charts.resolve(request, source.target_revision, hard=hard)
        revision = await self.revisions.resolve(
            source.repo_url, source.revision, where=where, hard=hard
        )
        return revision.sha

    async def render(self, app: Application, revisions: Sequence[str]) -> Desired:
        """The objects of every source at its commit (values-only ``ref`` sources render
        nothing themselves)."""
        checkouts: list[Checkout] = []
        for index, (source, sha) in enumerate(zip(app.sources, revisions, strict=True)):
            if source.chart:
                request = chart_request(source, _where(app, index))
                charts = require_charts(self.charts, request)
                checkouts.append(await charts.checkout(request, sha))
                continue
            checkouts.append(await self.checkout_source(source, sha, _where(app, index)))
        refs = {s.ref: c for s, c in zip(app.sources, checkouts, strict=True) if s.ref}
        desired = Desired(tuple(revisions))
        capabilities = await self.capabilities(app) if self.capabilities is not None else None
        for source, checkout in zip(app.sources, checkouts, strict=True):
            if source.ref and not (source.path or source.chart):
                continue
            rendered, warnings = await self._rendering.render_source(
                app, source, checkout, refs, capabilities
            )
            desired.objects.extend(obj for obj, _ in rendered)
            desired.origins.extend(origin for _, origin in rendered)
            desired.warnings.extend(warnings)
        if any(is_appset(obj) for obj in desired.objects):
            await self._expand_sets(app, desired)
        else:
            self.set_reports.pop(app.name, None)
        return desired

    async def expand_set(self, appset: ApplicationSet) -> Expansion:
        """What a stored ``appset`` generates now, read as a parent's render would read it (a
        dry run through the API): a :class:`~gitward.errors.GitwardError` when it cannot
        expand. Its git generators read only repositories its template's project (as written)
        permits, as a parent's project confines a declared set."""
        spec = appset.template.get("spec")
        name = spec.get("project") if isinstance(spec, Mapping) else None
        named = isinstance(name, str) and bool(name) and "{{" not in name
        project = (
            await self.project_of(str(name)) if named and self.project_of is not None else None
        )
        sources = _ResolvingSources(self, project, confined=self.project_of is not None)
        return await self._expander.expand(appset, Ports(sources, self.clusters))

    async def _expand_sets(self, app: Application, desired: Desired) -> None:
        """Every ApplicationSet replaced by the Applications it generates; the first set that
        cannot be expanded fails the render."""
        project = await self.project_of(app.project) if self.project_of is not None else None
        confined = self.project_of is not None
        ports = Ports(_ResolvingSources(self, project, confined=confined), self.clusters)
        expanded = await expand_declared(
            desired.objects,
            desired.origins,
            ports,
            self._expander,
            parent=app.name,
            existing=self.existing_apps,
        )
        self.set_reports[app.name] = expanded.sets
        if expanded.errors:
            raise expanded.errors[0]
        desired.objects, desired.origins = expanded.objects, expanded.origins
        desired.warnings.extend(expanded.warnings)

    async def checkout_source(self, source: Source, sha: str, where: Location) -> Checkout:
        """The files ``source`` is rendered from at commit ``sha``: its directory alone when
        its render reads nothing else (a new commit of a large repository is then not written
        whole for the one app that changed), the whole commit otherwise. Once the whole commit
        is on disk, every app of it shares that one checkout."""
        if not may_read_only_own_directory(source):
            return await self.checkout_at(source.repo_url, sha, where)
        whole = self._known(source.repo_url, sha, "")
        if whole is not None:
            return whole
        checkout = await self.checkout_at(source.repo_url, sha, where, only=source.path)
        directory = checkout.root / source.path.strip("/")
        if checkout.complete or reads_only_own_directory(source, directory):
            return checkout
        return await self.checkout_at(source.repo_url, sha, where)

    async def checkout_at(
        self, repo_url: str, sha: str, where: Location, *, only: str | None = None
    ) -> Checkout:
        """The files of commit ``sha`` (maybe ``only`` that directory: see
        ``Repositories.checkout_commit``): remembered once checked out (while they are on
        disk), a whole commit under one key whichever directory was asked for (a cycle over
        thousands of apps of one repository then keeps one entry, not one per app). Anything
        but a full SHA (a branch moves) is asked for every time."""
        if not is_commit_sha(sha):
            return await self.repos.checkout_commit(repo_url, sha, where=where, only=only)
        known = self._known(repo_url, sha, only or "")
        if known is not None:
            return known
        checkout = await self.repos.checkout_commit(repo_url, sha, where=where, only=only)
        part = "" if checkout.complete else only or ""
        self._checkouts[(normalize_repo_url(repo_url), sha.lower(), part)] = checkout
        while len(self._checkouts) > CHECKOUTS_KEPT:
            self._checkouts.popitem(last=False)
        return checkout

    def _known(self, repo_url: str, sha: str, part: str) -> Checkout | None:
        """The checkout remembered for ``part`` of commit ``sha`` ("" the whole commit), if it
        is still on disk."""
        key = (normalize_repo_url(repo_url), sha.lower(), part)
        known = self._checkouts.get(key)
        if known is None or not known.root.is_dir():
            return None
        self._checkouts.move_to_end(key)
        self.repos.used(known)  # keeps its tree from collection while apps use it
        return known


class _ResolvingSources:
    """A git generator's checkouts: its revision resolved through the cycle's cache, from a
    repository the parent's ``project`` permits (when ``confined``)."""

    def __init__(self, side: GitSide, project: AppProject | None, *, confined: bool) -> None:
        self._side = side
        self._project = project
        self._confined = confined

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        if self._confined and (self._project is None or not self._project.allows_repo(repo_url)):
            name = self._project.name if self._project is not None else "(none)"
            raise ConfigError(
                f"the git generator's repository {repo_url} is not permitted in project "
                f"{name!r} of the app that declares the ApplicationSet",
                where=where or Location(),
                hint="Add the repository to that project's sourceRepos, or read a permitted one",
            )
        resolved = await self._side.revisions.resolve(repo_url, revision, where=where)
        return await self._side.checkout_at(repo_url, resolved.sha, where or Location())


def _where(app: Application, index: int) -> Location:
    field_name = f"spec.sources[{index}]" if app.multi_source else "spec.source"
    return Location(file=app.file, obj=f"Application {app.name}", field=field_name)
