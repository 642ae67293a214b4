"""Which generator renders a source, decided as Argo CD decides it.

Argo CD's ``GetAppSourceType``: an explicit ``helm``, ``kustomize`` or ``directory`` block wins
(more than one is an error: "multiple application sources defined"); without one, a ``chart``
means Helm, and otherwise the source directory is looked at: a kustomization file means
kustomize (it wins over a ``Chart.yaml`` in the same directory, as Argo CD's discovery lets the
later file decide), a ``Chart.yaml`` means Helm, anything else is a directory of manifests.
``reads_only_own_directory`` says when a source's render reads nothing outside its directory
(so the git port may check out that directory alone).
A ``plugin`` source (a config management plugin) is refused: gitward runs no plugin, and
rendering the directory instead would deploy something else than Argo CD does (or nothing).
It must not render anything.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from gitward.errors import ManifestError, SourceError
from gitward.model.sources import Source
from gitward.render.kustomize import KUSTOMIZATION_FILES
from gitward.render.request import RenderRequest

__all__ = [
    "Generator",
    "detect_generator",
    "may_read_only_own_directory",
    "reads_only_own_directory",
]

_JSONNET = (".jsonnet", ".libsonnet")


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


def may_read_only_own_directory(source: Source) -> bool:
    """Whether ``source``'s spec alone allows a render that reads only its directory: no
    plugin, chart, Helm or kustomize options, and no ``ref`` (other sources read its files)."""
    return not (
        source.plugin or source.chart or source.ref or source.helm or source.kustomize
    ) and bool(source.path.strip("/"))


def reads_only_own_directory(source: Source, directory: Path) -> bool:
    """Whether rendering ``source`` from ``directory`` reads no file outside it: a directory
    of plain manifests, with no kustomization or ``Chart.yaml`` (kustomize and Helm read
    bases, value files and dependencies anywhere) and no Jsonnet file (imports reach out).
    Symlinks are for the caller to rule out."""
    if not may_read_only_own_directory(source):
        return False
    if any((directory / name).exists() for name in (*KUSTOMIZATION_FILES, "Chart.yaml")):
        return False
    for _, _, filenames in os.walk(directory):
        if any(name.endswith(_JSONNET) for name in filenames):
            return False
    return True
