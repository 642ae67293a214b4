"""Helm charts from Git rendered in-process with Helm's own Go SDK (``helm_python``).

Does what Argo CD's ``helm template <app> <chart> --include-crds`` does, without a process: the
release name is ``helm.releaseName`` or the app name, the namespace ``helm.namespace`` or the
destination namespace, ``.Release.IsInstall`` is true. ``NOTES.txt`` and ``_`` partials are
dropped, test hooks too when ``skipTests``; other Helm hooks are kept with their annotations (the
sync layer maps them to Argo CD phases). ``crds/`` is included unless ``skipCrds``, and the
chart's ``values.schema.json`` is enforced unless ``skipSchemaValidation``.

The chart must lie inside the checkout with no symlink leading out of it; that is checked before
the chart is loaded. Template failures become ``RenderError`` naming the template file and line.
It must not fetch anything: a chart from a Helm repository or OCI registry arrives as an expanded
archive (the checkout), and its repository dependencies as archives in ``request.dependencies``
(``gitward.charts`` fetched both, and pairs each alias with its own version when one chart is
fetched at several: ``helm_pinning``); remote value files are refused.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python as helm

from gitward.errors import ManifestError, RenderError, SourceError
from gitward.git import paths
from gitward.model import annotations as argocd
from gitward.redaction import redact
from gitward.render import capabilities, helm_pinning, helm_values, manifests
from gitward.render.cache import ChartCache
from gitward.render.manifests import Sourced
from gitward.render.request import FetchedChart, Generated, RenderRequest

__all__ = ["ChartKey", "LoadedChart", "render_helm"]

ChartKey = tuple[str, str, bool, tuple[str, ...]]
"""``(commit SHA, real chart directory, schema stripped, fetched dependencies)``: what a loaded
chart is cached by."""


@dataclass
class LoadedChart:
    """A loaded chart and what keeps sharing it safe.

    Helm's SDK drops the subcharts a render disables (``condition``/``tags``) from the loaded
    chart itself, and merges ``import-values`` into it, so a shared chart is rendered under its
    lock, and one whose subcharts changed is marked stale and dropped from the cache (a render
    waiting for its lock then takes a fresh one); charts with import-values are never reused.
    """

    chart: helm.Chart
    subcharts: tuple[str, ...]
    reusable: bool
    stale: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_GO_LOCATION = re.compile(r"(?P<file>[^\s():]+):(?P<line>\d+)(?::\d+)?")
_TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})
_MAX_DETAIL = 600


def render_helm(request: RenderRequest, charts: ChartCache[LoadedChart] | None = None) -> Generated:
    """The objects of a Helm source; ``charts`` (used only with a commit SHA) skips reloading."""
    options = request.source.helm
    chart_dir = _chart_dir(request)
    generated = Generated()
    generated.warnings.extend(capabilities.check(request))
    values = helm_values.user_values(request)
    generated.warnings.extend(values.warnings)
    release = _release_name(request)
    namespace = (options.namespace if options else "") or request.namespace
    without_schema = bool(options and options.skip_schema_validation)
    target = _Release(values.values, release, namespace)
    crds, templates = _render_chart(request, chart_dir, charts, target, without_schema)
    generated.objects.extend(crds)
    generated.objects.extend(_template_objects(request, templates))
    return generated


@dataclass(frozen=True, slots=True)
class _Release:
    """What a chart is rendered with: the user values, release name and namespace."""

    values: dict[str, Any]
    name: str
    namespace: str


def _render_chart(
    request: RenderRequest,
    chart_dir: Path,
    charts: ChartCache[LoadedChart] | None,
    target: _Release,
    without_schema: bool,
) -> tuple[list[Sourced], dict[str, str]]:
    """Render the cached chart under its lock, or a fresh one if another render altered it."""
    forget, loaded = _chart(request, chart_dir, without_schema, charts)
    with loaded.lock:
        if not loaded.stale:
            return _render_loaded(request, loaded, target, forget)
    fresh = _load_chart(request, chart_dir, without_schema=without_schema)
    return _render_loaded(request, fresh, target, None)


def _render_loaded(
    request: RenderRequest,
    loaded: LoadedChart,
    target: _Release,
    forget: Callable[[], None] | None,
) -> tuple[list[Sourced], dict[str, str]]:
    crds = _crd_objects(request, loaded.chart)
    try:
        templates = capabilities.render(loaded.chart, target, request)
    except helm.HelmError as err:
        raise _render_error(request, err) from err
    finally:
        if forget is not None and _changed(loaded):
            loaded.stale = True
            forget()
    return crds, templates


def _changed(loaded: LoadedChart) -> bool:
    """Whether rendering altered the loaded chart (so it must not be reused)."""
    if not loaded.reusable:
        return True
    return _subchart_names(loaded.chart) != loaded.subcharts


def _chart_dir(request: RenderRequest) -> Path:
    chart_dir = request.source_dir()
    if not (chart_dir / "Chart.yaml").is_file():
        raise SourceError(
            f"no Chart.yaml in {request.source_path!r}",
            where=request.where("path"),
            hint="Point `path` at a Helm chart directory, or remove the `helm` options to "
            "render plain manifests",
        )
    return chart_dir


def _release_name(request: RenderRequest) -> str:
    options = request.source.helm
    release = (options.release_name if options else "") or request.app.name
    try:
        helm.validate_release_name(release)
    except helm.HelmError as err:
        field = "helm.releaseName" if options and options.release_name else None
        raise ManifestError(
            f"{release!r} is not a valid Helm release name",
            where=request.where(field),
            hint="Use at most 53 lower-case letters, digits, '-' and '.'; set "
            "`helm.releaseName` when the app name does not fit",
        ) from err
    return release


def _chart(
    request: RenderRequest,
    chart_dir: Path,
    without_schema: bool,
    charts: ChartCache[LoadedChart] | None,
) -> tuple[Callable[[], None] | None, LoadedChart]:
    """The chart to render, and how to drop it from the cache (None when not cached)."""

    def load() -> LoadedChart:
        return _load_chart(request, chart_dir, without_schema=without_schema)

    if charts is None or request.sha is None:
        return None, load()
    fetched = tuple(
        f"{dep.file_name}={dep.path}@{','.join(map(str, dep.declared_at))}"
        for dep in request.dependencies
    )
    key: ChartKey = (request.sha, str(chart_dir), without_schema, fetched)
    return (lambda: charts.discard(key)), charts.get_or_load(key, load)


def _load_chart(request: RenderRequest, chart_dir: Path, *, without_schema: bool) -> LoadedChart:
    """The chart loaded by Helm, after checking that no symlink in it leaves the checkout (a
    cached chart was checked when loaded: its key holds the commit, whose files do not change)."""
    paths.check_tree_inside(
        request.root, chart_dir, where=request.where("path"), max_files=request.limits.max_files
    )
    try:
        strip = without_schema and any(chart_dir.rglob("values.schema.json"))
        if strip or request.dependencies:
            with tempfile.TemporaryDirectory(prefix="gitward-chart-") as scratch:
                copy = Path(scratch, chart_dir.name)
                ignore = shutil.ignore_patterns("values.schema.json") if strip else None
                shutil.copytree(chart_dir, copy, ignore=ignore)
                _add_dependencies(copy / "charts", request.dependencies, ignore)
                helm_pinning.pin_shared_versions(copy, request.dependencies)
                chart = helm.Chart.load(copy)
        else:
            chart = helm.Chart.load(chart_dir)
        declared = chart.metadata.get("dependencies") or []
    except helm.HelmError as err:
        raise SourceError(
            f"Helm cannot load the chart: {_detail(err)}",
            where=request.at_file(request.repo_path("Chart.yaml")),
            hint="Fix the chart (Chart.yaml, values.yaml, charts/)",
        ) from err
    subcharts = _subchart_names(chart)
    missing = sorted({str(dep.get("name")) for dep in declared} - set(subcharts))
    if missing:
        raise SourceError(
            f"Chart.yaml lists dependencies missing from charts/: {', '.join(missing)}",
            where=request.at_file(request.repo_path("Chart.yaml")),
            hint="Give them a `repository` (https://, oci:// or file://) gitward can fetch "
            "them from, or vendor them into charts/",
        )
    imports = any(dep.get("import-values") for dep in declared)
    return LoadedChart(chart, subcharts, reusable=not imports)


def _add_dependencies(
    charts_dir: Path, fetched: tuple[FetchedChart, ...], ignore: Callable[..., Any] | None
) -> None:
    """Put fetched dependency archives and chart directories into a chart copy's charts/."""
    if not fetched:
        return
    charts_dir.mkdir(exist_ok=True)
    for dep in fetched:
        if dep.path.is_dir():
            shutil.copytree(dep.path, charts_dir / dep.file_name, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copyfile(dep.path, charts_dir / dep.file_name)


def _subchart_names(chart: helm.Chart) -> tuple[str, ...]:
    return tuple(sorted(str(dep.get("name")) for dep in chart.dependencies))


def _render_error(request: RenderRequest, err: helm.HelmError) -> RenderError:
    detail = _detail(err)
    if "values don't meet the specifications of the schema" in detail:
        return RenderError(
            f"the values do not match the chart's values.schema.json: {detail}",
            where=request.where("helm"),
            hint="Fix the values, or set `helm.skipSchemaValidation: true`",
        )
    found = _GO_LOCATION.search(detail)
    if found is None:
        return RenderError(
            f"Helm rendering failed: {detail}",
            where=request.at_file(request.source_path),
            hint="Fix the chart's templates or the values they read",
        )
    template = _repo_template_path(request, found["file"])
    return RenderError(
        f"the template failed: {detail}",
        where=request.at_file(template, int(found["line"])),
        hint="Fix the template, or the values it reads",
    )


def _detail(err: Exception) -> str:
    text = redact(" ".join(str(err).split()))
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _repo_template_path(request: RenderRequest, template: str) -> str:
    """``ai-chatbot/charts/backend/templates/x.yaml`` -> ``helm/ai-chatbot/charts/backend/...``."""
    _, _, inside_chart = template.partition("/")
    return request.repo_path(inside_chart or template)


def _crd_objects(request: RenderRequest, chart: helm.Chart) -> list[Sourced]:
    options = request.source.helm
    if options is not None and options.skip_crds:
        return []
    found: list[Sourced] = []
    for crd in chart.crds:
        shown = _repo_template_path(request, crd.get("filename") or crd.get("name", "crds"))
        found.extend(_parse(request, shown, crd.get("data", "")))
    return found


def _template_objects(request: RenderRequest, templates: dict[str, str]) -> list[Sourced]:
    options = request.source.helm
    skip_tests = bool(options and options.skip_tests)
    total = 0
    found: list[Sourced] = []
    for name in sorted(templates):
        text = templates[name]
        base = name.rpartition("/")[2]
        if base == "NOTES.txt" or base.startswith("_") or not text.strip():
            continue
        total += len(text)
        if total > request.limits.max_total_bytes:
            raise RenderError(
                f"the chart renders more than {request.limits.max_total_bytes} bytes",
                where=request.at_file(request.source_path),
                hint="Split the chart into several applications, or raise gitward's render limits",
            )
        shown = _repo_template_path(request, name)
        found.extend(
            item
            for item in _parse(request, shown, text)
            if not (skip_tests and _is_test_hook(item))
        )
    return found


def _parse(request: RenderRequest, shown: str, text: str) -> list[Sourced]:
    return manifests.parse_manifests(text, file=shown, obj=request.obj, limits=request.limits)


def _is_test_hook(item: Sourced) -> bool:
    notes = (item.manifest.get("metadata") or {}).get("annotations") or {}
    hooks = str(notes.get(argocd.HELM_HOOK, ""))
    return any(hook.strip() in _TEST_HOOKS for hook in hooks.split(","))
