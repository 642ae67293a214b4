"""What Git wants for an app: its sources resolved to commits and rendered at those commits.

A refresh resolves each source's targetRevision (through the cycle's :class:`RevisionCache`) and
renders the commits it found; a sync step renders the commits its operation recorded, so that a
resumed or long sync keeps deploying what it started with. Renders are cached by SHA in the
renderer, so rendering the same commits again costs a lookup. The ApplicationSets among the
rendered objects are replaced by the Applications they generate (git generators read the
revision they name, resolved through the same cache); a set that cannot be expanded fails the
render, so the parent compares and prunes nothing. Checkouts are cached here: the files
of a commit never change, and asking the git port again would run git (``rev-parse``, ``remote
-v``, ``cat-file``) for every app at every refresh. It must not compare or apply.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from gitward.appsets.declaring import ExistingApps, SetReport, expand_declared
from gitward.appsets.expanding import Expander, Expansion
from gitward.appsets.generating import ClusterInfo, Ports
from gitward.controller.revisions import RevisionCache
from gitward.controller.sources import SourceRendering
from gitward.errors import Location
from gitward.git import normalize_repo_url
from gitward.git.refs import is_commit_sha
from gitward.git.repo import Checkout, Repositories
from gitward.model.application import Application
from gitward.model.appsets import ApplicationSet, is_appset
from gitward.model.capabilities import Capabilities
from gitward.model.objects import Manifest
from gitward.render import Renderer

__all__ = ["CapabilitiesOf", "Desired", "GitSide"]

CapabilitiesOf = Callable[[Application], Awaitable[Capabilities | None]]
"""The destination cluster's capabilities for an app's Helm charts."""

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

    def __init__(self, repos: Repositories, revisions: RevisionCache, renderer: Renderer) -> None:
        self.repos = repos
        self.revisions = revisions
        self._rendering = SourceRendering(renderer)
        self._checkouts: OrderedDict[tuple[str, str], Checkout] = OrderedDict()
        self.capabilities: CapabilitiesOf | None = None
        """Set by the controller; None (``gitward render``): Helm's defaults."""
        self.clusters: Callable[[], Awaitable[Sequence[ClusterInfo]]] = _no_clusters
        """The registered clusters, for ApplicationSets' clusters generators."""
        self.existing_apps: ExistingApps | None = None
        """The stored apps, for ApplicationSets' policies (None: every generated app is new)."""
        self._expander = Expander()
        self.set_reports: dict[str, list[SetReport]] = {}
        """The ApplicationSets each parent app's last render expanded (or failed to)."""

    async def resolve(self, app: Application, *, hard: bool = False) -> tuple[str, ...]:
        """The commit each source's targetRevision names now."""
        found = []
        for index, source in enumerate(app.sources):
            revision = await self.revisions.resolve(
                source.repo_url, source.revision, where=_where(app, index), hard=hard
            )
            found.append(revision.sha)
        return tuple(found)

    async def render(self, app: Application, revisions: Sequence[str]) -> Desired:
        """The objects of every source at its commit (values-only ``ref`` sources render
        nothing themselves)."""
        checkouts: list[Checkout] = []
        for index, (source, sha) in enumerate(zip(app.sources, revisions, strict=True)):
            checkouts.append(await self.checkout_at(source.repo_url, sha, _where(app, index)))
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
        """What ``appset`` generates now, read as a parent's render would read it (a dry run
        through the API): a :class:`~gitward.errors.GitwardError` when it cannot expand."""
        return await self._expander.expand(appset, Ports(_ResolvingSources(self), self.clusters))

    async def _expand_sets(self, app: Application, desired: Desired) -> None:
        """Every ApplicationSet replaced by the Applications it generates; the first set that
        cannot be expanded fails the render."""
        ports = Ports(_ResolvingSources(self), self.clusters)
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

    async def checkout_at(self, repo_url: str, sha: str, where: Location) -> Checkout:
        """The files of commit ``sha``: remembered once checked out (while they are on disk).
        Anything but a full SHA (a branch moves) is asked for every time."""
        if not is_commit_sha(sha):
            return await self.repos.checkout_commit(repo_url, sha, where=where)
        key = (normalize_repo_url(repo_url), sha.lower())
        known = self._checkouts.get(key)
        if known is not None and known.root.is_dir():
            self._checkouts.move_to_end(key)
            return known
        checkout = await self.repos.checkout_commit(repo_url, sha, where=where)
        self._checkouts[key] = checkout
        while len(self._checkouts) > CHECKOUTS_KEPT:
            self._checkouts.popitem(last=False)
        return checkout


class _ResolvingSources:
    """A git generator's checkouts: its revision resolved through the cycle's cache."""

    def __init__(self, side: GitSide) -> None:
        self._side = side

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        resolved = await self._side.revisions.resolve(repo_url, revision, where=where)
        return await self._side.checkout_at(repo_url, resolved.sha, where or Location())


def _where(app: Application, index: int) -> Location:
    field_name = f"spec.sources[{index}]" if app.multi_source else "spec.source"
    return Location(file=app.file, obj=f"Application {app.name}", field=field_name)
