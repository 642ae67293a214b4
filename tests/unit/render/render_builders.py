"""Builders for render tests: applications, sources, charts and files of a repository."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitward.model.application import Application, Destination
from gitward.model.sources import DirectoryOptions, HelmOptions, KustomizeOptions, Source
from gitward.render import Rendered

REPO_URL = "https://example.invalid/repo.git"
TOOLS = Path(__file__).resolve().parents[3] / ".tools" / "bin"


def application(
    *sources: Source, name: str = "demo", namespace: str = "demo", project: str = "default"
) -> Application:
    """An Application deploying ``sources`` to the in-cluster ``namespace``."""
    return Application(
        name=name,
        project=project,
        sources=sources or (Source(repo_url=REPO_URL),),
        destination=Destination(server="https://kubernetes.default.svc", namespace=namespace),
        multi_source=len(sources) > 1,
        file="apps/demo.yaml",
    )


def helm_source(path: str = "chart", **options: Any) -> Source:
    return Source(repo_url=REPO_URL, path=path, helm=HelmOptions(**options))


def directory_source(path: str = "manifests", **options: Any) -> Source:
    return Source(repo_url=REPO_URL, path=path, directory=DirectoryOptions(**options))


def kustomize_source(path: str = "overlay", **options: Any) -> Source:
    return Source(repo_url=REPO_URL, path=path, kustomize=KustomizeOptions(**options))


def write(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (path -> text, dedented) under ``root``; returns ``root``."""
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def configmap(name: str, **data: str) -> str:
    lines = [f"  {key}: {value!r}" for key, value in data.items()] or ["  {}"]
    return "\n".join(
        ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}", "data:", *lines]
    )


ECHO_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-values
  namespace: {{ .Release.Namespace }}
data:
  values.json: {{ .Values | toJson | quote }}
"""


def chart_files(
    path: str = "chart",
    *,
    values: str = "",
    templates: Mapping[str, str] | None = None,
    name: str = "demo",
) -> dict[str, str]:
    """A chart at ``path``: Chart.yaml, values.yaml and templates (default: one echoing values)."""
    files = {
        f"{path}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
        f"{path}/values.yaml": values,
    }
    chosen = {"echo.yaml": ECHO_TEMPLATE} if templates is None else templates
    for template, text in chosen.items():
        files[f"{path}/templates/{template}"] = text
    return files


def by_kind_name(rendered: Rendered) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in rendered.objects}


def tool_search_path() -> str:
    """PATH plus the project's .tools/bin, where ./dev setup puts helm and kubectl."""
    return os.pathsep.join([os.environ.get("PATH", ""), str(TOOLS)])
