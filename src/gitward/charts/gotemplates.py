"""Go ``text/template`` through Helm's SDK: a one-file chart built in memory and loaded once.

Argo CD renders notification templates and ``goTemplate`` ApplicationSets with Go's
text/template and sprig; Helm's template engine is that engine, and ``tpl`` runs any string
through it. :class:`GoTemplateChart` is the chart both use: one ``templates/render.txt`` that
turns ``.Values`` into one output (JSON, as its caller writes it), plus named helpers. The SDK
(~80 MB) is imported and the chart loaded at the first render, never at import, so a server
that sends no notification and expands no Go template never loads Helm; renders run under a
lock because the SDK's chart is not shared between threads.

It must not know what the templates mean: each caller brings its chart's text and words
:class:`GoTemplateError`'s detail for its users.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import helm_python as helm

__all__ = ["GoTemplateChart", "GoTemplateError"]

_VERSION: Final = "0.1.0"


class GoTemplateError(Exception):
    """Helm refused the template or failed running it; ``detail`` is its message."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class GoTemplateChart:
    """The chart ``name`` whose ``templates/render.txt`` is ``render``; ``helpers`` maps the
    names of further files of ``templates/`` (``_helpers.tpl``) to their text."""

    def __init__(self, name: str, render: str, helpers: Mapping[str, str]) -> None:
        self.name = name
        self._files = {"render.txt": render, **helpers}
        self._lock = threading.Lock()
        self._chart: helm.Chart | None = None

    def render(self, values: Mapping[str, Any], *, release: str) -> str:
        """What ``render.txt`` prints over ``values`` (empty when nothing)."""
        import helm_python as helm  # noqa: PLC0415 - the SDK loads at the first render

        with self._lock:
            try:
                out = self._loaded().render(dict(values), name=release, namespace="argocd")
            except helm.HelmError as err:
                raise GoTemplateError(str(err)) from err
        return next(iter(out.values()), "")

    def _loaded(self) -> helm.Chart:
        """The chart, loaded at the first render (the caller holds the lock)."""
        import helm_python as helm  # noqa: PLC0415

        if self._chart is None:
            with tempfile.TemporaryDirectory(prefix=f"{self.name}-") as scratch:
                chart = Path(scratch, "chart")
                (chart / "templates").mkdir(parents=True)
                manifest = f"apiVersion: v2\nname: {self.name}\nversion: {_VERSION}\n"
                (chart / "Chart.yaml").write_text(manifest, encoding="utf-8")
                for file, text in self._files.items():
                    (chart / "templates" / file).write_text(text, encoding="utf-8")
                self._chart = helm.Chart.load(chart)
        return self._chart
