"""What Git wants for an app: its sources resolved to commits and rendered at those commits.

A refresh resolves each source's targetRevision (through the cycle's :class:`RevisionCache`) and
renders the commits it found; a sync step renders the commits its operation recorded, so that a
resumed or long sync keeps deploying what it started with. Renders are cached by SHA in the
renderer, so rendering the same commits again costs a lookup. It must not compare or apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gitward.controller.revisions import RevisionCache
from gitward.controller.sources import SourceRendering
from gitward.errors import Location
from gitward.git.repo import Checkout, Repositories
from gitward.model.application import Application
from gitward.model.objects import Manifest
from gitward.render import Renderer

__all__ = ["Desired", "GitSide"]


@dataclass
class Desired:
    """Rendered objects with the file each came from, at ``revisions`` (one SHA per source)."""

    revisions: tuple[str, ...]
    objects: list[Manifest] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class GitSide:
    """Resolves and renders apps' sources: the git port, the revision cache, the renderer."""

    def __init__(self, repos: Repositories, revisions: RevisionCache, renderer: Renderer) -> None:
        self.repos = repos
        self.revisions = revisions
        self._rendering = SourceRendering(renderer)

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
            checkouts.append(
                await self.repos.checkout_commit(source.repo_url, sha, where=_where(app, index))
            )
        refs = {s.ref: c for s, c in zip(app.sources, checkouts, strict=True) if s.ref}
        desired = Desired(tuple(revisions))
        for source, checkout in zip(app.sources, checkouts, strict=True):
            if source.ref and not (source.path or source.chart):
                continue
            rendered, warnings = await self._rendering.render_source(app, source, checkout, refs)
            desired.objects.extend(obj for obj, _ in rendered)
            desired.origins.extend(origin for _, origin in rendered)
            desired.warnings.extend(warnings)
        return desired


def _where(app: Application, index: int) -> Location:
    field_name = f"spec.sources[{index}]" if app.multi_source else "spec.source"
    return Location(file=app.file, obj=f"Application {app.name}", field=field_name)
