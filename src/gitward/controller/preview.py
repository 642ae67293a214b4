"""Render a whole app-of-apps tree offline: every application exactly as it would be deployed.

Starting from root Applications, each app is checked against its project, its sources are
checked out and rendered, and the Applications and AppProjects in its output become the next
level of the tree; the ApplicationSets in its output are first expanded into the Applications
they generate (:mod:`gitward.appsets`, with the registered clusters when given). Every app is
rendered even when others fail; failures are recorded on the app, never raised. An app that
declares its own manifest (the root app does) is normal; a real cycle (A declares B declares A)
is reported. No cluster is involved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gitward.appsets.declaring import expand_declared
from gitward.appsets.expanding import Expander
from gitward.appsets.generating import ClusterInfo, Ports
from gitward.controller.appofapps import declared_by
from gitward.errors import ConfigError, CycleError, GitwardError, Location
from gitward.git.repo import Checkout
from gitward.model.application import Application
from gitward.model.objects import Manifest
from gitward.model.project import AppProject, default_project
from gitward.model.sources import Source

__all__ = ["AppRender", "SourceRenderer", "TreeRenderer", "Workspace"]


class Workspace(Protocol):
    """Where a source's files come from (the git port, or a fake in tests)."""

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout: ...

    async def checkout_chart(self, source: Source, *, where: Location | None = None) -> Checkout:
        """The chart of a ``chart:`` source, at the version its targetRevision names."""
        ...


class SourceRenderer(Protocol):
    """Turns one source of an app into objects, each with the file it came from."""

    async def render_source(
        self,
        app: Application,
        source: Source,
        checkout: Checkout,
        refs: Mapping[str, Checkout],
    ) -> tuple[list[tuple[Manifest, str | None]], list[str]]: ...


@dataclass
class AppRender:
    """One application of the tree and what rendering it produced."""

    name: str
    app: Application
    parent: str | None
    objects: list[Manifest] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class TreeRenderer:
    """Renders a tree of applications level by level, the apps of a level concurrently."""

    def __init__(
        self,
        workspace: Workspace,
        renderer: SourceRenderer,
        *,
        clusters: Callable[[], Awaitable[Sequence[ClusterInfo]]] | None = None,
    ) -> None:
        self._workspace = workspace
        self._renderer = renderer
        self._ports = Ports(workspace, clusters) if clusters else Ports(workspace)
        self._expander = Expander()
        self._projects: dict[str, AppProject] = {"default": default_project()}
        self._done: dict[str, AppRender] = {}
        self._claimed: dict[str, str | None] = {}  # app name -> the parent that declared it

    async def render_tree(
        self,
        roots: Iterable[Application],
        projects: Iterable[AppProject] = (),
        warnings: Mapping[str, Iterable[str]] | None = None,
        sets: Sequence[tuple[Manifest, str | None]] = (),
    ) -> list[AppRender]:
        """Every app reachable from ``roots`` and from the Applications the root ``sets``
        generate, parents before children, waves in order; ``warnings`` are the roots' parse
        warnings, by app name. A root set that cannot be expanded is raised."""
        warnings = dict(warnings or {})
        self._projects.update((p.name, p) for p in projects)
        roots = [*roots, *await self._root_sets(sets, warnings)]
        level = [AppRender(app.name, app, None) for app in _ordered(roots)]
        for item in level:
            item.warnings.extend(warnings.get(item.name, ()))
        self._claimed.update((item.name, None) for item in level)
        while level:
            await asyncio.gather(*(self._render(item) for item in level))
            level = await self._next_level(level)
        return list(self._done.values())

    async def _root_sets(
        self, sets: Sequence[tuple[Manifest, str | None]], warnings: dict[str, Iterable[str]]
    ) -> list[Application]:
        if not sets:
            return []
        objects = [obj for obj, _ in sets]
        origins = [origin for _, origin in sets]
        expanded = await expand_declared(objects, origins, self._ports, self._expander)
        if expanded.errors:
            raise expanded.errors[0]
        declared = declared_by(zip(expanded.objects, expanded.origins, strict=True))
        if declared.errors:
            raise declared.errors[0]
        for name, found in declared.app_warnings.items():
            warnings[name] = [*warnings.get(name, ()), *found, *expanded.warnings]
        return declared.apps

    async def _next_level(self, level: list[AppRender]) -> list[AppRender]:
        children: list[AppRender] = []
        for parent in level:
            await self._expand_sets(parent)
            declared = declared_by(zip(parent.objects, parent.origins, strict=True))
            parent.warnings.extend(declared.warnings)
            parent.errors.extend(error.message for error in declared.errors)
            self._projects.update((p.name, p) for p in declared.projects)
            for app in _ordered(declared.apps):
                child = self._adopt(parent, app)
                if child is not None:
                    child.warnings.extend(declared.app_warnings.get(app.name, []))
                    children.append(child)
        return children

    async def _expand_sets(self, parent: AppRender) -> None:
        """The parent's ApplicationSets replaced by the Applications they generate."""
        expanded = await expand_declared(
            parent.objects, parent.origins, self._ports, self._expander
        )
        parent.objects, parent.origins = expanded.objects, expanded.origins
        parent.warnings.extend(expanded.warnings)
        parent.errors.extend(error.message for error in expanded.errors)

    def _adopt(self, parent: AppRender, app: Application) -> AppRender | None:
        """The child to render next, or None for a self-declaration, a cycle or a duplicate."""
        if app.name == parent.name:
            return None
        lineage = self._lineage(parent)
        if app.name in lineage:
            loop = " -> ".join([*reversed(lineage), app.name])
            error = CycleError(
                f"declares Application {app.name}, which is its own ancestor ({loop})",
                where=Location(file=app.file, obj=f"Application {parent.name}"),
                hint="Remove the Application from one of the two directories",
            )
            parent.errors.append(error.message)
            return None
        if app.name in self._claimed:
            other = self._claimed[app.name] or "the root file"
            parent.errors.append(
                f"{app.file or parent.name}: Application {app.name} is declared twice "
                f"(also by {other}). Keep one definition"
            )
            return None
        self._claimed[app.name] = parent.name
        parent.children.append(app.name)
        return AppRender(app.name, app, parent.name)

    def _lineage(self, item: AppRender) -> list[str]:
        names = [item.name]
        while item.parent is not None and item.parent in self._done:
            item = self._done[item.parent]
            names.append(item.name)
        return names

    async def _render(self, item: AppRender) -> None:
        self._done[item.name] = item
        try:
            project = self._project_of(item.app)
            checkouts = await self._checkouts(item.app, project)
            refs = {s.ref: c for s, c in zip(item.app.sources, checkouts, strict=True) if s.ref}
            for source, checkout in zip(item.app.sources, checkouts, strict=True):
                shown = checkout.revision if source.chart else checkout.sha
                item.revisions.append(shown or "working tree")
                if source.ref and not (source.path or source.chart):
                    continue  # a values-only source, read through $ref by the others
                rendered, warnings = await self._renderer.render_source(
                    item.app, source, checkout, refs
                )
                item.objects.extend(obj for obj, _ in rendered)
                item.origins.extend(origin for _, origin in rendered)
                item.warnings.extend(warnings)
        except GitwardError as error:
            item.errors.append(error.message)
            item.objects.clear()
            item.origins.clear()

    def _project_of(self, app: Application) -> AppProject:
        project = self._projects.get(app.project)
        if project is None:
            known = ", ".join(sorted(self._projects))
            raise ConfigError(
                f"project {app.project!r} does not exist",
                where=Location(file=app.file, obj=f"Application {app.name}", field="spec.project"),
                hint=f"Use one of the known projects ({known}) or declare an AppProject "
                f"named {app.project!r}",
            )
        where = Location(file=app.file, obj=f"Application {app.name}")
        if not project.allows_destination(app.destination):
            raise ConfigError(
                f"destination {app.destination} is not permitted in project {project.name!r}",
                where=where.at("spec.destination"),
                hint="Add the destination to the project's `destinations`, or deploy elsewhere",
            )
        return project

    async def _checkouts(self, app: Application, project: AppProject) -> list[Checkout]:
        where = Location(file=app.file, obj=f"Application {app.name}")
        checkouts = []
        for index, source in enumerate(app.sources):
            field_name = f"spec.sources[{index}]" if app.multi_source else "spec.source"
            if not project.allows_repo(source.repo_url):
                raise ConfigError(
                    f"repository {source.repo_url} is not permitted in project {project.name!r}",
                    where=where.at(f"{field_name}.repoURL"),
                    hint="Add the repository to the project's `sourceRepos`",
                )
            if source.chart:
                checkout = await self._workspace.checkout_chart(source, where=where.at(field_name))
            else:
                checkout = await self._workspace.checkout(
                    source.repo_url, source.revision, where=where.at(field_name)
                )
            checkouts.append(checkout)
        return checkouts


def _ordered(apps: Iterable[Application]) -> list[Application]:
    return sorted(apps, key=lambda app: (app.sync_wave, app.name))
