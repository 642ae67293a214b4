"""Paths and renderers for the tests of gitward's own deployment: its Containerfile, its chart
(deploy/helm/gitward) and the example's Application that lets gitward manage itself. The chart is
rendered by gitward's in-process Helm renderer and by the real `helm template` (the oracle), and
its objects are dry-run applied to the sandbox by the real kubectl. No image is built or run
here: there is no container runtime."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitward.model.application import Application, Destination
from gitward.model.objects import ResourceKey
from gitward.model.sources import HelmOptions, Source
from gitward.render import Renderer, finishing, manifests

PROJECT = Path(__file__).resolve().parents[2]
CHART = PROJECT / "deploy" / "helm" / "gitward"
CONTAINERFILE = PROJECT / "Containerfile"
EXAMPLE = PROJECT / "examples" / "ai-chatbot-infra"
TOOLS = PROJECT / ".tools" / "bin"
RELEASE = "gitward"
NAMESPACE = "gitward"

Objects = dict[ResourceKey, dict[str, Any]]


def tool(name: str) -> Path:
    """The real ``name`` binary (on PATH or in .tools/bin); skipped when absent unless required."""
    found = shutil.which(name) or shutil.which(name, path=str(TOOLS))
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} is required (GITWARD_REQUIRE_TOOLS=1) but missing: ./dev setup")
        pytest.skip(f"{name} binary not found (run ./dev setup to fetch it)")
    return Path(found)


def keyed(objects: list[dict[str, Any]]) -> Objects:
    result = {ResourceKey.of(obj): obj for obj in objects}
    assert len(result) == len(objects), "two objects share a key"
    return result


def helm_template(helm: Path, *value_files: Path, sets: tuple[str, ...] = ()) -> Objects:
    """What `helm template` renders, with namespaces defaulted as gitward does before applying."""
    args = [str(helm), "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    for file in value_files:
        args += ["--values", str(file)]
    for assignment in sets:
        args += ["--set", assignment]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = manifests.parse_manifests(done.stdout, file="helm template")
    finishing.default_namespaces(found, NAMESPACE, frozenset())
    return keyed([item.manifest for item in found])


def gitward_render(*value_files: Path, values: str = "") -> Objects:
    """What gitward's in-process renderer makes of the chart, as an Application would ask."""
    files = tuple(os.path.relpath(file, CHART) for file in value_files)
    source = Source(
        repo_url="https://github.com/your-org/gitward.git",
        path="deploy/helm/gitward",
        helm=HelmOptions(release_name=RELEASE, value_files=files, values=values),
    )
    app = Application(
        name="gitward-chart",
        project="default",
        sources=(source,),
        destination=Destination(server="https://kubernetes.default.svc", namespace=NAMESPACE),
    )
    return keyed(list(Renderer().render(app, source, PROJECT, sha=None).objects))


def of_kind(objects: Objects, kind: str) -> list[dict[str, Any]]:
    return [obj for key, obj in sorted(objects.items()) if key.kind == kind]
