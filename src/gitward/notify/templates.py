"""Templates in Go ``text/template``, rendered by Helm's own template engine in-process.

Argo CD renders each string of a ``template.<name>`` (``message``, ``email.subject``,
``webhook.<name>.body``…) with Go's text/template and sprig functions over ``{app, context,
serviceType}``. Helm's SDK is that engine already: a one-file chart, loaded once, passes each
string through Helm's ``tpl`` with the data as ``.``, so ``{{.app.metadata.name}}``,
``{{range}}``, ``{{if eq .serviceType "slack"}}`` and sprig's functions mean exactly what they
mean in Argo CD. Differences: a missing key prints nothing where Go prints ``<no value>``;
Argo CD's helper objects (``call .time.Now``, ``call .repo.GetCommitMetadata``…) are rewritten by
:mod:`gitward.notify.templatecalls` into what ``tpl`` can run; Helm's ``include``/``toYaml``
work too. All strings of one notification render in one call, under a lock (the SDK's chart is
not shared between threads).
It must not send anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gitward.charts.gotemplates import GoTemplateChart, GoTemplateError
from gitward.errors import ConfigError
from gitward.notify.config import NotifyConfig
from gitward.notify.github import DEFAULT_PATHS
from gitward.notify.incidents import NEWRELIC_DEFAULTS
from gitward.notify.templatecalls import HELPERS, TemplateCallError, rewrite_calls
from gitward.redaction import redact

__all__ = ["TemplateError", "TemplateRenderer", "render_templates"]

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
        # Loaded at the first render: Helm's SDK loads only in a server that sends one.
        self._chart = GoTemplateChart("gitward-notifications", _RENDER, {"_helpers.tpl": HELPERS})

    def render(
        self, texts: Mapping[str, str], data: Mapping[str, Any], secrets: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """Every text rendered; :class:`TemplateError` names the failing one's problem."""
        if not texts:
            return {}
        try:
            texts = {key: rewrite_calls(text) for key, text in texts.items()}
        except TemplateCallError as err:
            raise TemplateError(err.problem) from err
        values = {"texts": texts, "data": _plain(data)}
        try:
            out = self._chart.render(values, release="notify")
        except GoTemplateError as err:
            raise TemplateError(_problem(err.detail, secrets)) from err
        rendered = json.loads(out or "{}")
        return {str(key): str(value) for key, value in rendered.items()}


def _plain(data: Mapping[str, Any]) -> Any:
    """JSON-plain data (times as strings), as Argo CD's unstructured app is."""
    return json.loads(json.dumps(data, default=str))


def _problem(detail: str, secrets: tuple[str, ...]) -> str:
    """Helm's message without the chart's own wrapper, and without secrets."""
    marker = "error calling tpl: "
    text = detail.split(marker, 1)[-1]
    return redact(text, *secrets)[:500]


def render_templates(
    renderer: TemplateRenderer,
    config: NotifyConfig,
    names: tuple[str, ...],
    service_type: str,
    data: Mapping[str, Any],
) -> dict[str, dict[str, str]]:
    """``{template: {"message": …, "email.subject": …}}``: each named template's ``message``
    and its section for ``service_type``, flattened to dotted keys and rendered."""
    out: dict[str, dict[str, str]] = {}
    for name in names:
        template = config.templates.get(name, {})
        texts = {"message": template["message"]} if isinstance(template.get("message"), str) else {}
        section = _flatten(template.get(service_type), service_type)
        if section or service_type in _ALWAYS:
            texts.update(_DEFAULTS.get(service_type, {}))
        texts.update(section)
        out[name] = renderer.render(texts, data, config.secrets)
    return out


def _flatten(value: Any, prefix: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}"))
        return flat
    if value is None:
        return {}
    return {prefix: value if isinstance(value, str) else json.dumps(value)}


_DEFAULTS: dict[str, dict[str, str]] = {
    "github": DEFAULT_PATHS,
    "newrelic": NEWRELIC_DEFAULTS,
    "alertmanager": {"alertmanager.generatorURL": "{{.app.spec.source.repoURL}}"},
}
"""What a service's section renders when it leaves a field out, as Argo CD does."""
_ALWAYS = frozenset({"newrelic"})
"""Services whose defaults apply to templates without a section for them."""
