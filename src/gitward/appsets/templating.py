"""Filling an ApplicationSet's template with one parameter set, as Argo CD does.

Argo CD templates every *string* of the template on its own. Without ``goTemplate`` it is
fasttemplate: ``{{ name }}`` (spaces allowed, dotted names such as ``path.basename`` are plain
keys) becomes the parameter, and a tag naming no parameter is left as written. With
``goTemplate: true`` each string is a Go ``text/template`` with sprig over the (nested)
parameters: Helm's SDK is that engine, so a one-file chart passes every string of every
parameter set through Helm's ``tpl`` in one in-process call, as the notifications do. Argo CD's
``normalize`` function is a named template here. ``missingkey=error`` is checked before
rendering for the field references outside ``range``/``with`` blocks; Go's default prints
``<no value>`` where Helm prints nothing. ``templatePatch`` is rendered the same way over the
whole text and merged into the templated Application. It must not read files or talk to anything.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from gitward.charts.gotemplates import GoTemplateChart, GoTemplateError
from gitward.errors import ConfigError, Location

__all__ = ["GoTemplates", "TemplateError", "fill_fast", "merge_patch", "render_fast"]

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_RENDER = """{{- $out := list -}}
{{- range $job := .Values.jobs -}}
{{- $done := dict -}}
{{- range $key, $text := $job.texts -}}
{{- $_ := set $done $key (tpl $text $job.data) -}}
{{- end -}}
{{- $out = append $out $done -}}
{{- end -}}
{{- toJson $out -}}
"""
_HELPERS = """{{- define "appset.normalize" -}}
{{- regexReplaceAll "[^-a-z0-9.]" (lower .) "-" | trunc 253 | trimAll "-." -}}
{{- end -}}
"""
_NORMALIZE = re.compile(r"\bnormalize\b")
_BLOCKS = re.compile(r"\{\{-?\s*(range|with|define|template|block)\b")
_REFERENCE = re.compile(r"(?<![\w$)\].])\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")


class TemplateError(ConfigError):
    """A template of an ApplicationSet does not parse or fails on a parameter set."""


def fill_fast(text: str, params: Mapping[str, Any]) -> str:
    """fasttemplate: ``{{ key }}`` replaced by a string parameter, anything else left as is."""

    def replace(found: re.Match[str]) -> str:
        value = params.get(found[1].strip())
        return value if isinstance(value, str) and found[1].strip() else found[0]

    return _TAG.sub(replace, text)


def render_fast(template: Any, params: Mapping[str, Any]) -> Any:
    """Every string value of ``template`` filled in (map keys stay as written)."""
    if isinstance(template, str):
        return fill_fast(template, params)
    if isinstance(template, Mapping):
        return {k: render_fast(v, params) for k, v in template.items() if v is not None}
    if isinstance(template, list):
        return [render_fast(item, params) for item in template]
    return template


def strings_of(template: Any, path: str = "") -> dict[str, str]:
    """Every string of a nested value by its path (``spec.source.path``, ``a[0]``)."""
    if isinstance(template, str):
        return {path: template}
    found: dict[str, str] = {}
    if isinstance(template, Mapping):
        for key, value in template.items():
            found.update(strings_of(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(template, list):
        for index, value in enumerate(template):
            found.update(strings_of(value, f"{path}[{index}]"))
    return found


def put_strings(template: Any, done: Mapping[str, str], path: str = "") -> Any:
    """``template`` with each string replaced by its rendered text from ``done``."""
    if isinstance(template, str):
        return done.get(path, template)
    if isinstance(template, Mapping):
        return {
            key: put_strings(value, done, f"{path}.{key}" if path else str(key))
            for key, value in template.items()
            if value is not None
        }
    if isinstance(template, list):
        return [put_strings(v, done, f"{path}[{i}]") for i, v in enumerate(template)]
    return template


def merge_patch(base: Any, patch: Any) -> Any:
    """``patch`` merged into ``base``: mappings key by key, anything else replaced."""
    if isinstance(base, Mapping) and isinstance(patch, Mapping):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge_patch(base.get(key), value) if key in base else value
        return merged
    return patch


def missing_keys(text: str, params: Mapping[str, Any]) -> list[str]:
    """References to parameters that do not exist (``missingkey=error``); texts with blocks
    that move the dot (``range``, ``with``) are not checked."""
    if _BLOCKS.search(text):
        return []
    missing = []
    for action in _TAG.findall(text):
        for reference in _REFERENCE.findall(action):
            value: Any = params
            for part in reference.split("."):
                if not isinstance(value, Mapping) or part not in value:
                    missing.append(reference)
                    break
                value = value[part]
    return missing


JOBS_KEPT = 8192
"""Rendered (texts, parameters) jobs remembered: a parent's next refresh renders the same."""


class GoTemplates:
    """Go templates through Helm's ``tpl``; one instance serves every ApplicationSet. A job
    (texts and parameters) rendered before is answered from memory: a template's output
    depends on nothing else."""

    def __init__(self) -> None:
        self._done: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()
        # Loaded at the first Go template: Helm's SDK loads only in a server that expands one.
        self._chart = GoTemplateChart("gitward-appsets", _RENDER, {"_appset.tpl": _HELPERS})

    def render_many(
        self,
        jobs: Sequence[tuple[Mapping[str, str], Mapping[str, Any]]],
        where: Location,
    ) -> list[dict[str, str]]:
        """Each job's texts rendered over its data; the new ones in one call."""
        keys = [json.dumps([texts, _plain(data)], sort_keys=True) for texts, data in jobs]
        with self._lock:
            found = {key: self._done[key] for key in keys if key in self._done}
        new = [(key, job) for key, job in zip(keys, jobs, strict=True) if key not in found]
        if new:
            rendered = self._render([job for _, job in new], where)
            found.update(zip([key for key, _ in new], rendered, strict=True))
            self._remember([key for key, _ in new], rendered)
        return [dict(found[key]) for key in keys]

    def _remember(self, keys: list[str], rendered: list[dict[str, str]]) -> None:
        with self._lock:
            for key, done in zip(keys, rendered, strict=True):
                self._done[key] = done
                self._done.move_to_end(key)
            while len(self._done) > JOBS_KEPT:
                self._done.popitem(last=False)

    def _render(
        self,
        jobs: Sequence[tuple[Mapping[str, str], Mapping[str, Any]]],
        where: Location,
    ) -> list[dict[str, str]]:
        values = {
            "jobs": [
                {
                    "texts": {k: _with_normalize(t) for k, t in texts.items()},
                    "data": _plain(data),
                }
                for texts, data in jobs
            ]
        }
        try:
            out = self._chart.render(values, release="appset")
        except GoTemplateError as err:
            raise TemplateError(
                _problem(err.detail),
                where=where,
                hint="Fix the Go template (goTemplate: true reads {{.param}})",
            ) from err
        rendered = json.loads(out or "[]")
        return [{str(k): str(v) for k, v in item.items()} for item in rendered]


def parse_patch(text: str, where: Location) -> Any:
    """A rendered ``templatePatch`` as data."""
    try:
        patch = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise TemplateError(
            f"the rendered templatePatch is not YAML: {str(err).splitlines()[0]}",
            where=where,
            hint="Check the patch renders to a mapping such as `spec: {...}`",
        ) from err
    if patch is not None and not isinstance(patch, Mapping):
        raise TemplateError(
            "the rendered templatePatch is not a mapping",
            where=where,
            hint="Write the patch as `metadata:`/`spec:` fields of an Application",
        )
    return patch or {}


def _with_normalize(text: str) -> str:
    """Argo CD's ``normalize`` function as the named template, inside actions only (a path
    such as ``tools/normalize`` outside ``{{ }}`` is text)."""
    return _TAG.sub(lambda action: _NORMALIZE.sub('include "appset.normalize"', action[0]), text)


def _plain(data: Mapping[str, Any]) -> Any:
    return json.loads(json.dumps(data, default=str))


def _problem(detail: str) -> str:
    text = detail.split("error calling tpl: ", 1)[-1]
    return text.replace("template: gitward-appsets/templates/render.txt:", "template:")[:500]
