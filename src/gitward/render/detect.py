"""Which generator renders a source, decided as Argo CD decides it.

Argo CD's ``GetAppSourceType``: an explicit ``helm``, ``kustomize`` or ``directory`` block wins
(more than one is an error: "multiple application sources defined"); without one, a ``chart``
means Helm, and otherwise the source directory is looked at: a kustomization file means
kustomize (it wins over a ``Chart.yaml`` in the same directory, as Argo CD's discovery lets the
later file decide), a ``Chart.yaml`` means Helm, anything else is a directory of manifests.
A ``plugin`` source (a config management plugin) is refused: gitward runs no plugin, and
rendering the directory instead would deploy something else than Argo CD does (or nothing).
It must not render anything.
"""

from __future__ import annotations

from enum import StrEnum

from gitward.errors import ManifestError, SourceError
from gitward.render.kustomize import KUSTOMIZATION_FILES
from gitward.render.request import RenderRequest

__all__ = ["Generator", "detect_generator"]


class Generator(StrEnum):
    HELM = "helm"
    KUSTOMIZE = "kustomize"
    DIRECTORY = "directory"


def detect_generator(request: RenderRequest) -> Generator:
    """The generator for ``request.source``; raises when several are configured explicitly."""
    source = request.source
    if source.plugin:
        raise SourceError(
            "config management plugins are not run by gitward, so this source cannot be "
            "rendered (nothing is deployed or pruned for it)",
            where=request.where("plugin"),
            hint="Commit the plugin's output as YAML (or a Helm chart or kustomization) and "
            "point the source at it without `plugin`",
        )
    explicit = [
        generator
        for generator, options in (
            (Generator.KUSTOMIZE, source.kustomize),
            (Generator.HELM, source.helm),
            (Generator.DIRECTORY, source.directory),
        )
        if options is not None
    ]
    if len(explicit) > 1:
        named = ", ".join(f"`{generator}`" for generator in explicit)
        raise ManifestError(
            f"options for several generators are set ({named})",
            where=request.where(),
            hint="Keep the options of the one tool that renders this source",
        )
    if explicit:
        return explicit[0]
    if source.chart:
        return Generator.HELM
    directory = request.source_dir()
    if any((directory / name).is_file() for name in KUSTOMIZATION_FILES):
        return Generator.KUSTOMIZE
    if (directory / "Chart.yaml").is_file():
        return Generator.HELM
    return Generator.DIRECTORY
