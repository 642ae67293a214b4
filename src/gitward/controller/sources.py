"""Wiring from an Application's sources to rendered objects: the git port, then the renderer.

``GitWorkspace`` decides which files a source is read from (a revision of a repository, or a
local directory, or a chosen commit of a local clone); ``SourceRendering`` hands them to the
renderer off the event loop. ``read_root_file`` reads the Applications of a file on disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gitward.controller.appofapps import Declared, declared_by
from gitward.errors import Location, UsageError
from gitward.git.repo import Checkout, Repositories
from gitward.model.application import Application
from gitward.model.capabilities import Capabilities
from gitward.model.objects import Manifest
from gitward.model.sources import Source
from gitward.render import Renderer, manifests

__all__ = ["GitWorkspace", "SourceRendering", "read_root_file"]


class GitWorkspace:
    """Checkouts through the git port; ``revision`` (when set) replaces the targetRevision of
    every repository served from a local clone, so a commit can be previewed as a whole."""

    def __init__(self, repos: Repositories, revision: str | None = None) -> None:
        self._repos = repos
        self._revision = revision

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        if self._revision is not None and self._repos.local_path(repo_url) is not None:
            return await self._repos.checkout_commit(repo_url, self._revision, where=where)
        return await self._repos.checkout(repo_url, revision, where=where)


class SourceRendering:
    """Renders one source with the in-process renderer, in a worker thread."""

    def __init__(self, renderer: Renderer) -> None:
        self._renderer = renderer

    async def render_source(
        self,
        app: Application,
        source: Source,
        checkout: Checkout,
        refs: Mapping[str, Checkout],
        capabilities: Capabilities | None = None,
    ) -> tuple[list[tuple[Manifest, str | None]], list[str]]:
        rendered = await self._renderer.render_async(
            app,
            source,
            checkout.root,
            sha=checkout.sha,
            refs={name: ref.root for name, ref in refs.items()},
            ref_shas={name: ref.sha for name, ref in refs.items() if ref.sha},
            file=app.file,
            capabilities=capabilities,
        )
        return list(zip(rendered.objects, rendered.origins, strict=True)), rendered.warnings


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
