"""Plain YAML/JSON manifests from a directory of the repository, as Argo CD reads them.

Reads ``*.yaml``, ``*.yml`` and ``*.json`` files of the source directory (and of its
subdirectories with ``recurse``), in path order, keeping those that ``include`` matches and
``exclude`` does not (Argo CD's globs, matched against the path relative to the source directory).
Hidden directories (``.git``, ``.github``) are skipped. A file that is not a Kubernetes manifest
at all (say, a Helm values file lying next to manifests) is skipped with a warning, as Argo CD
ignores it; a broken manifest, and any broken ``.json`` file, is an error. ``*.jsonnet`` files
are evaluated with the source's ``directory.jsonnet`` options (:mod:`~gitward.render.jsonnet`,
in a bounded worker process). Symlinks may point
anywhere inside the repository but never out of it; each file and all files together are
size-bounded, and so is the number of manifest files read (``Limits.max_files``).
It must not run any tool: Helm and kustomize sources have their own modules.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from gitward.errors import ManifestError, PathEscapeError, SourceError
from gitward.model.sources import DirectoryOptions
from gitward.render import globs, manifests
from gitward.render.jsonnet import JsonnetFiles
from gitward.render.jsonnetpool import JsonnetRunner, default_runner
from gitward.render.request import Generated, RenderRequest

__all__ = ["render_directory"]

_MANIFEST_FILE = re.compile(r".*\.(yaml|yml|json|jsonnet)")
_LOOKS_LIKE_MANIFEST = ("apiVersion:", "kind:", "metadata:")


@dataclass(frozen=True, slots=True)
class _Candidate:
    path: Path  # the real file (symlinks followed)
    relative: str  # relative to the source directory, as matched by include/exclude


def render_directory(request: RenderRequest, jsonnet: JsonnetRunner | None = None) -> Generated:
    """The objects of every manifest and Jsonnet file of a directory source.

    ``jsonnet`` evaluates the Jsonnet files (the process-wide workers when None).
    """
    directory = request.source_dir()
    if not directory.is_dir():
        raise SourceError(
            f"{request.source_path!r} is not a directory",
            where=request.where("path"),
            hint="Point `path` at a directory of manifests",
        )
    options = request.source.directory or DirectoryOptions()
    generated = Generated()
    evaluator: JsonnetFiles | None = None
    for candidate in _candidates(request, directory, options, generated.warnings):
        shown = request.repo_path(candidate.relative)
        if candidate.relative.endswith(".jsonnet"):
            manifests.read_text(candidate.path, shown=shown, limits=request.limits)
            evaluator = evaluator or JsonnetFiles(request, jsonnet or default_runner())
            generated.objects.extend(evaluator.objects(candidate.relative))
            continue
        generated.objects.extend(_read(request, candidate, shown, generated.warnings))
    return generated


def _candidates(
    request: RenderRequest, directory: Path, options: DirectoryOptions, warnings: list[str]
) -> list[_Candidate]:
    include = _pattern(request, "directory.include", options.include)
    exclude = _pattern(request, "directory.exclude", options.exclude)
    real_root = request.root.resolve()
    found: list[_Candidate] = []
    total = 0
    for current, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        if not options.recurse:
            dirnames.clear()
        for name in sorted(filenames):
            entry = Path(current, name)
            relative = entry.relative_to(directory).as_posix()
            if not _MANIFEST_FILE.fullmatch(name):
                continue
            if (exclude and exclude.fullmatch(relative)) or (
                include and not include.fullmatch(relative)
            ):
                continue
            real = _real_file(request, entry, relative, real_root, warnings)
            if real is None:
                continue
            total += real.stat().st_size
            _check_total(request, total)
            found.append(_Candidate(real, relative))
            _check_count(request, len(found))
    return found


def _pattern(request: RenderRequest, field: str, text: str) -> re.Pattern[str] | None:
    if not text:
        return None
    try:
        return globs.compile_glob(text)
    except globs.GlobError as err:
        raise ManifestError(
            f"invalid glob {text!r}: {err}",
            where=request.where(field),
            hint="Use `*`, `?`, `[abc]` and `{a.yaml,b.yaml}`",
        ) from err


def _real_file(
    request: RenderRequest, entry: Path, relative: str, real_root: Path, warnings: list[str]
) -> Path | None:
    """The regular file behind ``entry``; None (with a warning) for dangling or odd entries."""
    shown = request.repo_path(relative)
    real = Path(os.path.realpath(entry))
    if real != real_root and real_root not in real.parents:
        raise PathEscapeError(
            f"symlink {shown!r} points outside the repository",
            where=request.where("path"),
            hint="Make the symlink point inside the repository, or remove it",
        )
    if not real.exists():
        warnings.append(f"{shown}: symlink target is missing, skipped")
        return None
    if not real.is_file():
        warnings.append(f"{shown}: not a regular file, skipped")
        return None
    return real


def _check_total(request: RenderRequest, total: int) -> None:
    limit = request.limits.max_total_bytes
    if total > limit:
        raise SourceError(
            f"the manifest files add up to more than {limit // (1024 * 1024)} MiB",
            where=request.where("path"),
            hint="Split the directory into several applications, or narrow it with "
            "`directory.include`/`exclude`",
        )


def _check_count(request: RenderRequest, count: int) -> None:
    limit = request.limits.max_files
    if count > limit:
        raise SourceError(
            f"the directory holds more than {limit:,} manifest files",
            where=request.where("path"),
            hint="Split the directory into several applications, narrow it with "
            "`directory.include`/`exclude`, or raise the limit (GITWARD_RENDER_MAX_FILES, "
            "gitward server --render-max-files)",
        )


def _read(
    request: RenderRequest, candidate: _Candidate, shown: str, warnings: list[str]
) -> list[manifests.Sourced]:
    text = manifests.read_text(candidate.path, shown=shown, limits=request.limits)
    json_only = candidate.relative.endswith(".json")
    try:
        return manifests.parse_manifests(
            text, file=shown, obj=request.obj, limits=request.limits, json_only=json_only
        )
    except ManifestError:
        if json_only or all(marker in text for marker in _LOOKS_LIKE_MANIFEST):
            raise
        warnings.append(f"{shown}: not a Kubernetes manifest, skipped")
        return []
