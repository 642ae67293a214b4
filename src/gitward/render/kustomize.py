"""Kustomize sources, built by a ``kustomize`` (or ``kubectl kustomize``) program on PATH.

Kustomize has no in-process Python binding, so this is the one generator that runs a tool: an
argv list (never a shell), a bounded time, a minimal environment (no credentials of gitward's
own), and a clear ``ToolUnavailableError`` when neither program is installed.

Argo CD applies ``namePrefix``, ``nameSuffix``, ``images``, ``commonLabels``,
``commonAnnotations`` and ``namespace`` with ``kustomize edit`` in its checkout before building.
gitward makes the same edits to the kustomization file of a temporary copy of the repository (so
the checkout stays untouched, and ``kubectl`` alone is enough), then builds the copy.
It must not modify the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import ManifestError, RenderError, SourceError, ToolUnavailableError
from gitward.git import paths
from gitward.model.sources import KustomizeOptions
from gitward.redaction import redact
from gitward.render import helm_values, manifests
from gitward.render.request import Generated, RenderRequest

__all__ = ["KUSTOMIZATION_FILES", "kustomize_command", "render_kustomize"]

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_MAX_STDERR = 800


def kustomize_command(search_path: str | None = None) -> list[str]:
    """``[kustomize, build]`` or ``[kubectl, kustomize]``, whichever is installed first."""
    kustomize = shutil.which("kustomize", path=search_path)
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl", path=search_path)
    if kubectl:
        return [kubectl, "kustomize"]
    raise ToolUnavailableError(
        "neither `kustomize` nor `kubectl` is installed, and a kustomize source needs one",
        hint="Install kustomize (or kubectl, which includes it) on the PATH of gitward",
    )


def render_kustomize(request: RenderRequest, *, search_path: str | None = None) -> Generated:
    """The objects ``kustomize build`` produces for the source directory."""
    command = kustomize_command(search_path)
    directory = request.source_dir()
    kustomization = _kustomization_file(request, directory)
    paths.check_tree_inside(request.root, directory, where=request.where("path"))
    shown = request.repo_path(kustomization.name)
    options = request.source.kustomize or KustomizeOptions()
    if not _has_edits(options):
        output = _build(request, command, directory, shown)
    else:
        with tempfile.TemporaryDirectory(prefix="gitward-kustomize-") as scratch:
            copy_root = Path(scratch, "repo")
            shutil.copytree(
                request.root, copy_root, symlinks=True, ignore=shutil.ignore_patterns(".git")
            )
            copy_dir = copy_root / directory.relative_to(request.root.resolve())
            _edit(request, copy_dir / kustomization.name, options)
            output = _build(request, command, copy_dir, shown)
    objects = manifests.parse_manifests(output, file=shown, obj=request.obj, limits=request.limits)
    return Generated(objects=objects)


def _kustomization_file(request: RenderRequest, directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    raise SourceError(
        f"no kustomization.yaml in {request.source_path!r}",
        where=request.where("path"),
        hint="Point `path` at a kustomization directory, or remove the `kustomize` options",
    )


def _has_edits(options: KustomizeOptions) -> bool:
    return bool(
        options.name_prefix
        or options.name_suffix
        or options.namespace
        or options.images
        or options.common_labels
        or options.common_annotations
    )


def _build(request: RenderRequest, command: list[str], directory: Path, shown: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/"),
        "GIT_TERMINAL_PROMPT": "0",
    }
    try:
        done = subprocess.run(
            [*command, str(directory)],
            cwd=directory,
            env=env,
            capture_output=True,
            timeout=request.limits.tool_timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise RenderError(
            f"kustomize build did not finish within {request.limits.tool_timeout_s:g} s",
            where=request.at_file(shown),
            hint="Check the kustomization for remote bases or generators that hang",
        ) from err
    if done.returncode != 0:
        detail = redact(" ".join(done.stderr.decode(errors="replace").split()))
        raise RenderError(
            f"kustomize build failed: {detail[:_MAX_STDERR]}",
            where=request.at_file(shown),
            hint="Run `kustomize build` on the directory to see the problem",
        )
    if len(done.stdout) > request.limits.max_total_bytes:
        raise RenderError(
            f"kustomize build produced more than {request.limits.max_total_bytes} bytes",
            where=request.at_file(shown),
            hint="Split the kustomization into several applications",
        )
    return manifests.decode_text(done.stdout, shown=shown)


def _edit(request: RenderRequest, file: Path, options: KustomizeOptions) -> None:
    """Argo CD's ``kustomize edit set/add`` calls, as edits of the file's YAML."""
    shown = request.repo_path(file.name)
    text = manifests.read_text(file, shown=shown, limits=request.limits)
    try:
        document = yaml.load(text, Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as err:
        raise ManifestError(
            f"invalid YAML in the kustomization: {err}",
            where=request.at_file(shown),
            hint="Fix the kustomization file",
        ) from err
    if not isinstance(document, dict):
        raise ManifestError(
            "the kustomization is not a mapping",
            where=request.at_file(shown),
            hint="Fix the kustomization file",
        )
    env = helm_values.argocd_env(request)
    for key, value in (
        ("namePrefix", options.name_prefix),
        ("nameSuffix", options.name_suffix),
        ("namespace", options.namespace),
    ):
        if value:
            document[key] = value
    for image in options.images:
        _set_image(document, helm_values.envsubst(image, env))
    _add_entries(request, document, "commonLabels", options.common_labels)
    _add_entries(request, document, "commonAnnotations", options.common_annotations)
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _add_entries(
    request: RenderRequest, document: dict[str, Any], key: str, entries: Mapping[str, str]
) -> None:
    """``kustomize edit add label|annotation`` without ``--force``: an existing key is an error."""
    if not entries:
        return
    current = document.setdefault(key, {})
    if not isinstance(current, dict):
        current = document[key] = {}
    for name, value in entries.items():
        if name in current:
            raise ManifestError(
                f"{key} {name!r} is already set in the kustomization",
                where=request.where(f"kustomize.{key}"),
                hint="Remove it from one of the two places",
            )
        current[name] = value


def _set_image(document: dict[str, Any], spec: str) -> None:
    """``kustomize edit set image``: ``name=new:tag``, ``name:tag``, ``name@digest`` ..."""
    name, _, replacement = spec.partition("=") if "=" in spec else ("", "", spec)
    new_name, tag, digest = _split_image(replacement)
    if not name:
        name, new_name = new_name, ""
    images = document.setdefault("images", [])
    if not isinstance(images, list):
        images = document["images"] = []
    entry = next(
        (item for item in images if isinstance(item, dict) and item.get("name") == name), None
    )
    if entry is None:
        entry = {"name": name}
        images.append(entry)
    if new_name and new_name != name:
        entry["newName"] = new_name
    if tag:
        entry["newTag"] = tag
        entry.pop("digest", None)
    if digest:
        entry["digest"] = digest
        entry.pop("newTag", None)


def _split_image(text: str) -> tuple[str, str, str]:
    """``repo/app:1.2`` -> (``repo/app``, ``1.2``, ``""``); ``app@sha256:..`` -> digest."""
    if "@" in text:
        image, _, digest = text.partition("@")
        return image, "", digest
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:
        return text[:colon], text[colon + 1 :], ""
    return text, "", ""
