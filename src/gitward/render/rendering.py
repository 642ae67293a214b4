"""The one entry point of rendering: an app's source in a checkout -> its desired objects.

``Renderer.render`` decides the generator (Helm, directory, kustomize) as Argo CD does, runs it,
defaults namespaces, refuses duplicate objects, and caches the result by everything that decides
it: commit SHA, source fingerprint, app name and project, destination namespace and the SHAs of
referenced sources. Re-rendering an unchanged app is then a cache hit. Work on a directory with
no SHA (files on disk that may change) is never cached. ``render_async`` runs the same in a
worker thread for callers on the event loop (Helm's SDK and kustomize block).

It must not fetch, check out or apply anything: it reads the checkout it is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gitward.errors import SourceError
from gitward.model import kinds
from gitward.model.application import Application
from gitward.model.capabilities import Capabilities
from gitward.model.objects import Manifest
from gitward.model.sources import Source
from gitward.render import finishing
from gitward.render.cache import ChartCache, ManifestCache
from gitward.render.detect import Generator, detect_generator
from gitward.render.directory import render_directory
from gitward.render.jsonnetpool import JsonnetRunner
from gitward.render.kustomize import render_kustomize
from gitward.render.limits import DEFAULT_LIMITS, Limits
from gitward.render.manifests import Origin
from gitward.render.request import FetchedChart, Generated, RenderRequest

if TYPE_CHECKING:
    from gitward.render.helm import LoadedChart

__all__ = ["Rendered", "Renderer"]


@dataclass(frozen=True, slots=True)
class Rendered:
    """The desired objects of one source.

    ``origins[i]`` is the repository path of the file (or template) ``objects[i]`` came from and
    ``documents[i]`` the exact document in it; ``generator`` is ``helm``, ``directory`` or
    ``kustomize``.
    """

    objects: list[Manifest]
    origins: list[str]
    documents: list[Origin]
    warnings: list[str]
    generator: str
    cached: bool = field(default=False, compare=False)


class Renderer:
    """Renders sources of applications, caching by commit.

    ``cache`` holds finished renders (a bounded default when None); ``limits`` bound input and
    output sizes; ``cluster_scoped`` adds (group, kind) pairs known to be cluster-scoped (e.g.
    from the cluster's CRDs); ``tool_path`` replaces PATH when looking for kustomize/kubectl;
    ``jsonnet`` evaluates Jsonnet files (the process-wide bounded workers when None).
    """

    def __init__(
        self,
        *,
        cache: ManifestCache[Rendered] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        cluster_scoped: Collection[kinds.GroupKind] = frozenset(),
        tool_path: str | None = None,
        jsonnet: JsonnetRunner | None = None,
    ) -> None:
        self.cache: ManifestCache[Rendered] = cache if cache is not None else ManifestCache()
        self.charts: ChartCache[LoadedChart] = ChartCache()
        self.limits = limits
        self._cluster_scoped = frozenset(cluster_scoped)
        self._tool_path = tool_path
        self._jsonnet = jsonnet

    def render(
        self,
        app: Application,
        source: Source,
        root: Path,
        *,
        sha: str | None,
        refs: Mapping[str, Path] | None = None,
        file: str | None = None,
        ref_shas: Mapping[str, str] | None = None,
        capabilities: Capabilities | None = None,
        dependencies: tuple[FetchedChart, ...] = (),
    ) -> Rendered:
        """The objects of ``source`` (one of ``app.sources``) read from the checkout ``root``.

        ``sha`` is the commit ``root`` holds (None for a working directory: no caching);
        ``refs`` maps the ``ref`` names of the app's other sources to their checkout roots and
        ``ref_shas`` to their commits; ``file`` is where the Application was read from;
        ``capabilities`` describe the destination cluster to a Helm chart; ``dependencies`` are
        the chart's fetched repository dependencies (``gitward.charts``).
        """
        request = self._request(app, source, root, sha=sha, refs=refs, file=file)
        request = replace(request, capabilities=capabilities, dependencies=dependencies)
        key = _cache_key(request, ref_shas or {})
        return self._cached(key) or self._render_and_keep(request, key)

    async def render_async(
        self,
        app: Application,
        source: Source,
        root: Path,
        *,
        sha: str | None,
        refs: Mapping[str, Path] | None = None,
        file: str | None = None,
        ref_shas: Mapping[str, str] | None = None,
        capabilities: Capabilities | None = None,
        dependencies: tuple[FetchedChart, ...] = (),
    ) -> Rendered:
        """:meth:`render`, in a worker thread unless the cache has it (a hit costs less than
        the trip to a thread)."""
        request = self._request(app, source, root, sha=sha, refs=refs, file=file)
        request = replace(request, capabilities=capabilities, dependencies=dependencies)
        key = _cache_key(request, ref_shas or {})
        hit = self._cached(key)
        if hit is not None:
            return hit
        return await asyncio.to_thread(self._render_and_keep, request, key)

    def _request(
        self,
        app: Application,
        source: Source,
        root: Path,
        *,
        sha: str | None,
        refs: Mapping[str, Path] | None,
        file: str | None,
    ) -> RenderRequest:
        return RenderRequest(
            app=app,
            source=source,
            root=root,
            sha=sha,
            refs=dict(refs or {}),
            app_file=file if file is not None else app.file,
            limits=self.limits,
        )

    def _cached(self, key: Hashable | None) -> Rendered | None:
        hit = self.cache.get(key) if key is not None else None
        if hit is None:
            return None
        return Rendered(hit.objects, hit.origins, hit.documents, hit.warnings, hit.generator, True)

    def _render_and_keep(self, request: RenderRequest, key: Hashable | None) -> Rendered:
        rendered = self._render(request)
        if key is not None:
            self.cache.put(key, rendered)
        return rendered

    def _render(self, request: RenderRequest) -> Rendered:
        generator, generated = self._generate(request)
        objects = generated.objects
        scoped = self._cluster_scoped | finishing.cluster_scoped_by_crds(objects)
        finishing.default_namespaces(objects, request.namespace, scoped)
        finishing.check_unique(objects, request.obj)
        finishing.check_waves(objects)
        finishing.check_secret_data(objects)
        return Rendered(
            objects=[item.manifest for item in objects],
            origins=[item.origin.file for item in objects],
            documents=[item.origin for item in objects],
            warnings=generated.warnings,
            generator=generator.value,
        )

    def _generate(self, request: RenderRequest) -> tuple[Generator, Generated]:
        """The generator and its output; an OS error reading the checkout is a located error."""
        try:
            generator = detect_generator(request)
            return generator, self._run_generator(generator, request)
        except OSError as err:
            name = Path(err.filename).name if isinstance(err.filename, str) else ""
            shown = f" ({name[:100]})" if name else ""
            raise SourceError(
                f"cannot read the source's files{shown}: {err.strerror or type(err).__name__}",
                where=request.where("path"),
                hint="Check that the files exist in the repository and can be read",
            ) from err

    def _run_generator(self, generator: Generator, request: RenderRequest) -> Generated:
        if generator is Generator.HELM:
            # Helm's SDK (~80 MB) loads at the first Helm render, not when gitward starts.
            from gitward.render.helm import render_helm  # noqa: PLC0415

            return render_helm(request, self.charts)
        if generator is Generator.KUSTOMIZE:
            return render_kustomize(request, search_path=self._tool_path)
        return render_directory(request, self._jsonnet)


def _cache_key(request: RenderRequest, ref_shas: Mapping[str, str]) -> Hashable | None:
    """Everything that decides a render's output, or None when it must not be cached."""
    if request.sha is None:
        return None
    used = _referenced_refs(request.source)
    if not used <= ref_shas.keys():
        return None
    app = request.app
    return (
        request.sha,
        request.source.fingerprint(),
        app.name,
        app.project,
        request.namespace,
        request.app_file,
        tuple(sorted((name, ref_shas[name]) for name in used)),
        request.capabilities,
        request.dependencies,
    )


def _referenced_refs(source: Source) -> set[str]:
    """The ``ref`` names that ``$ref/...`` value files of ``source`` read from."""
    if source.helm is None:
        return set()
    return {
        value_file.partition("/")[0][1:]
        for value_file in source.helm.value_files
        if value_file.startswith("$")
    }
