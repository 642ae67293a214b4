"""How much input one render may read and produce.

Repositories are input gitward does not control: a 2 GiB YAML file, a billion-laughs alias bomb
or a kustomize build that never ends must fail with a clear error instead of exhausting the
controller. Every renderer takes its bounds from one ``Limits`` value.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitward.settings import DEFAULT_RENDER_MAX_FILES

__all__ = ["DEFAULT_LIMITS", "Limits"]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one render.

    ``max_file_bytes``: any one manifest, values or template output file.
    ``max_total_bytes``: all manifest files of a directory source, or all output of one render.
    ``max_alias_nodes``: nodes that YAML aliases may add to a document once expanded.
    ``max_objects``: Kubernetes objects one source may produce.
    ``max_files``: manifest files (``*.yaml``, ``*.yml``, ``*.json``, ``*.jsonnet`` that
    include/exclude let through) one directory source may read, and files a Helm chart
    directory may hold;
    ``GITWARD_RENDER_MAX_FILES`` sets it for the server and ``gitward render``.
    ``tool_timeout_s``: wall-clock bound on an external tool (kustomize) and on evaluating
    the Jsonnet files of one directory source.
    """

    max_file_bytes: int = 8 * _MIB
    max_total_bytes: int = 64 * _MIB
    max_alias_nodes: int = 100_000
    max_objects: int = 20_000
    max_files: int = DEFAULT_RENDER_MAX_FILES
    tool_timeout_s: float = 60.0


DEFAULT_LIMITS = Limits()
