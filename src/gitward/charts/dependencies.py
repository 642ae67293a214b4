"""A chart's ``Chart.yaml`` dependencies, fetched as Argo CD's ``helm dependency build`` would.

A dependency already in ``charts/`` (a directory or an archive of that name) is used as it is.
Any other is found from its ``repository``: an HTTP(S) repository or OCI registry through the
chart port, at the version ``Chart.lock`` pins when the lock lists it and otherwise the highest
the range in ``Chart.yaml`` admits; ``file://`` a directory of the same checkout (never outside
it). Aliases, conditions and tags are Helm's to apply when rendering: every dependency is
fetched, as ``helm dependency build`` fetches them; each fetched chart names the dependencies it
was fetched for, so the render can pair an alias with its own version when one chart is fetched
at several (``gitward.render.helm_pinning``). Repository names (``@stable``) are refused:
gitward has no ``helm repo add`` list.

It must not render anything: it returns what the render adds to ``charts/``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from gitward.charts.local import local_charts
from gitward.charts.repositories import ChartRepositories, ChartRequest
from gitward.errors import ConfigError, Location, SourceError
from gitward.git import paths
from gitward.model.charts import FetchedChart

__all__ = ["ChartDependencies", "fetch_dependencies"]


@dataclass(frozen=True, slots=True)
class ChartDependencies:
    """Where a chart is and how errors name it: ``shown`` is its path in the repository."""

    chart_dir: Path
    root: Path
    shown: str
    obj: str
    pass_credentials: bool = False


async def fetch_dependencies(
    charts: ChartRepositories, chart: ChartDependencies
) -> tuple[FetchedChart, ...]:
    """The archives and directories to add to ``charts/``, each with the name it takes there
    (``web-1.2.0.tgz``, as ``helm dependency build`` names it) and the dependencies it was
    fetched for, by file name; empty when nothing is missing."""
    declared, file_name = _declared(chart)
    if not declared:
        return ()
    vendored = chart.chart_dir / "charts"
    present = set(local_charts(vendored, where=None)) if vendored.is_dir() else set()
    locked = _locked(chart, declared)
    found: dict[str, FetchedChart] = {}
    for index, dependency in enumerate(declared):
        name = str(dependency.get("name") or "")
        if not name or name in present:
            continue
        where = Location(
            file=f"{chart.shown}/{file_name}", obj=chart.obj, field=f"dependencies[{index}]"
        )
        fetched = await _fetch_one(charts, chart, dependency, locked.get(index), where)
        if fetched is not None:
            _add(found, fetched, index)
    return tuple(found[file] for file in sorted(found))


def _add(found: dict[str, FetchedChart], fetched: FetchedChart, index: int) -> None:
    """Keep ``fetched`` for dependency ``index``; one file serves every dependency naming it."""
    known = found.get(fetched.file_name)
    if known is None:
        found[fetched.file_name] = replace(fetched, declared_at=(index,))
    else:
        found[fetched.file_name] = replace(known, declared_at=(*known.declared_at, index))


async def _fetch_one(
    charts: ChartRepositories,
    chart: ChartDependencies,
    dependency: dict[str, Any],
    locked: str | None,
    where: Location,
) -> FetchedChart | None:
    name = str(dependency["name"])
    repository = str(dependency.get("repository") or "").strip()
    if not repository:
        return None  # must be vendored: the render names it if it is missing
    if repository.startswith("file://"):
        directory = _inside(chart, repository.removeprefix("file://"), where)
        local_version = str((_load(directory / "Chart.yaml") or {}).get("version", ""))
        return FetchedChart(f"{name}-{local_version}", directory, name, local_version, ())
    if repository.startswith("@") or repository.startswith("alias:"):
        raise ConfigError(
            f"dependency {name} names the repository {repository!r} by its `helm repo add` "
            "name, which gitward does not know",
            where=where.at(f"{where.field}.repository"),
            hint="Write the repository's URL (https://... or oci://...) instead",
        )
    request = ChartRequest(repository, name, where, chart.pass_credentials)
    version = locked or await charts.resolve(request, str(dependency.get("version") or "*"))
    path = await charts.chart_path(request, version)
    file_name = f"{name}-{version}" if path.is_dir() else f"{name}-{version}.tgz"
    return FetchedChart(file_name, path, name, version, ())


def _inside(chart: ChartDependencies, relative: str, where: Location) -> Path:
    """A ``file://`` dependency: a chart directory inside the same checkout."""
    base = chart.chart_dir.resolve().relative_to(chart.root.resolve())
    target = paths.resolve_inside(chart.root, (base / relative).as_posix(), where=where)
    if not (target / "Chart.yaml").is_file():
        raise SourceError(
            f"{relative} is not a chart directory (no Chart.yaml)",
            where=where,
            hint="Point the file:// repository at a chart directory of the same repository",
        )
    paths.check_tree_inside(chart.root, target, where=where)
    return target


def _declared(chart: ChartDependencies) -> tuple[list[dict[str, Any]], str]:
    for name, key in (("Chart.yaml", "dependencies"), ("requirements.yaml", "dependencies")):
        loaded = _load(chart.chart_dir / name)
        items = loaded.get(key) if loaded else None
        if isinstance(items, list) and items:
            return [item for item in items if isinstance(item, dict)], name
    return [], "Chart.yaml"


def _locked(chart: ChartDependencies, declared: list[dict[str, Any]]) -> dict[int, str]:
    """``dependency index -> version`` from ``Chart.lock`` (or ``requirements.lock``), which
    lists the dependencies in ``Chart.yaml``'s order: the n-th dependency on a chart and
    repository takes the n-th lock entry for them (two aliases of one chart pin two versions)."""
    pinned = _lock_entries(chart)
    taken: dict[tuple[str, str], int] = {}
    found: dict[int, str] = {}
    for index, dependency in enumerate(declared):
        key = _lock_key(dependency)
        versions = pinned.get(key, [])
        turn = taken.get(key, 0)
        taken[key] = turn + 1
        if versions:
            found[index] = versions[min(turn, len(versions) - 1)]
    return found


def _lock_entries(chart: ChartDependencies) -> dict[tuple[str, str], list[str]]:
    """``(name, repository) -> versions``, in the lock file's order."""
    for name in ("Chart.lock", "requirements.lock"):
        loaded = _load(chart.chart_dir / name)
        items = loaded.get("dependencies") if loaded else None
        if isinstance(items, list):
            entries: dict[tuple[str, str], list[str]] = {}
            for item in items:
                if isinstance(item, dict) and item.get("version"):
                    entries.setdefault(_lock_key(item), []).append(str(item["version"]))
            return entries
    return {}


def _lock_key(entry: dict[str, Any]) -> tuple[str, str]:
    return str(entry.get("name")), str(entry.get("repository") or "").strip().rstrip("/")


def _load(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None  # Helm names a malformed Chart.yaml when it loads the chart
    return loaded if isinstance(loaded, dict) else None
