"""Each dependency paired with the version fetched for it, when ``charts/`` holds several.

Helm pairs a ``Chart.yaml`` dependency with the first subchart it loaded whose name matches and
whose version the dependency's range admits, and it loads ``charts/`` in Go map order, which
changes from run to run. So a chart declaring ``web ^1.0.0`` (alias ``frontend``) and ``web
1.0.0`` (alias ``legacy``) renders ``frontend`` from whichever of ``web-1.2.0.tgz`` and
``web-1.0.0.tgz`` came first: ``helm template`` itself picks differently between runs. gitward
renders each such dependency from the version resolved for it, as ``helm dependency build``
meant: in the chart's scratch copy, every dependency of a chart fetched at more than one
version names the exact version fetched for it, so only that subchart matches. A chart with
one version of each dependency is left as it is.

It must not touch a checkout: it edits only the copy the renderer loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from gitward.model.charts import FetchedChart

__all__ = ["pin_shared_versions"]

_STR = "tag:yaml.org,2002:str"


def pin_shared_versions(chart_dir: Path, fetched: Iterable[FetchedChart]) -> None:
    """Rewrite ``chart_dir``'s dependencies file (a copy) so that a dependency on a chart
    fetched at several versions names the exact version fetched for it."""
    pins = _pins(fetched)
    if not pins:
        return
    for file_name in ("Chart.yaml", "requirements.yaml"):
        path = chart_dir / file_name
        document = _compose(path)
        entries = _dependency_nodes(document)
        if document is None or entries is None:
            continue
        for index, version in pins.items():
            if index < len(entries):
                _set_version(entries[index], version)
        path.write_text(yaml.serialize(document), encoding="utf-8")
        return


def _pins(fetched: Iterable[FetchedChart]) -> dict[int, str]:
    """``dependency index -> exact version`` for the charts fetched at more than one version."""
    versions: dict[str, set[str]] = {}
    charts = list(fetched)
    for chart in charts:
        versions.setdefault(chart.chart, set()).add(chart.version)
    return {
        index: chart.version
        for chart in charts
        if len(versions[chart.chart]) > 1
        for index in chart.declared_at
    }


def _compose(path: Path) -> yaml.Node | None:
    if not path.is_file():
        return None
    try:
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None  # Helm names a malformed file when it loads the chart


def _dependency_nodes(document: yaml.Node | None) -> list[yaml.MappingNode] | None:
    """The ``dependencies`` entries as the fetch numbered them: the mappings of the first file
    with a non-empty list."""
    if not isinstance(document, yaml.MappingNode):
        return None
    for key, value in document.value:
        if key.value == "dependencies" and isinstance(value, yaml.SequenceNode) and value.value:
            return [item for item in value.value if isinstance(item, yaml.MappingNode)]
    return None


def _set_version(entry: yaml.MappingNode, version: str) -> None:
    """Replace the entry's ``version`` (an entry without one stays without: Helm matches it to
    no subchart, and a pin must not change that)."""
    for index, (key, value) in enumerate(entry.value):
        if key.value == "version" and isinstance(value, yaml.ScalarNode):
            entry.value[index] = (key, yaml.ScalarNode(_STR, version, style='"'))
