"""Templates in Go ``text/template``, rendered by Helm's own template engine in-process.

Argo CD renders each string of a ``template.<name>`` (``message``, ``email.subject``,
``webhook.<name>.body``…) with Go's text/template and sprig functions over ``{app, context,
serviceType}``. Helm's SDK is that engine already: a one-file chart, loaded once, passes each
string through Helm's ``tpl`` with the data as ``.``, so ``{{.app.metadata.name}}``,
``{{range}}``, ``{{if eq .serviceType "slack"}}`` and sprig's functions mean exactly what they
mean in Argo CD. Differences: a missing key prints nothing where Go prints ``<no value>``;
Argo CD's helper objects (``call .repo.RepoURLToHTTPS``, ``.time``, ``.strings``) are not
available; Helm's ``include``/``toYaml`` are. All strings of one notification render in one
call, under a lock (the SDK's chart is not shared between threads).
It must not send anything.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python as helm

from gitward.errors import ConfigError
from gitward.redaction import redact

__all__ = ["TemplateError", "TemplateRenderer"]

_CHART = """apiVersion: v2
name: gitward-notifications
version: 0.1.0
"""
_RENDER = """{{- $out := dict -}}
{{- range $key, $text := .Values.texts -}}
{{- $_ := set $out $key (tpl $text $.Values.data) -}}
{{- end -}}
{{- toJson $out -}}
"""


class TemplateError(ConfigError):
    """A notification template does not parse or fails on the app."""


class TemplateRenderer:
    """Renders a notification's strings (flattened ``{"email.subject": "…"}``) over data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        with tempfile.TemporaryDirectory(prefix="gitward-notify-") as scratch:
            chart = Path(scratch, "chart")
            (chart / "templates").mkdir(parents=True)
            (chart / "Chart.yaml").write_text(_CHART, encoding="utf-8")
            (chart / "templates" / "render.txt").write_text(_RENDER, encoding="utf-8")
            self._chart = helm.Chart.load(chart)

    def render(
        self, texts: Mapping[str, str], data: Mapping[str, Any], secrets: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """Every text rendered; :class:`TemplateError` names the failing one's problem."""
        if not texts:
            return {}
        values = {"texts": dict(texts), "data": _plain(data)}
        with self._lock:
            try:
                out = self._chart.render(values, name="notify", namespace="argocd")
            except helm.HelmError as err:
                raise TemplateError(_problem(str(err), secrets)) from err
        rendered = json.loads(next(iter(out.values())) or "{}")
        return {str(key): str(value) for key, value in rendered.items()}


def _plain(data: Mapping[str, Any]) -> Any:
    """JSON-plain data (times as strings), as Argo CD's unstructured app is."""
    return json.loads(json.dumps(data, default=str))


def _problem(detail: str, secrets: tuple[str, ...]) -> str:
    """Helm's message without the chart's own wrapper, and without secrets."""
    marker = "error calling tpl: "
    text = detail.split(marker, 1)[-1]
    return redact(text, *secrets)[:500]
