"""The in-memory Go-template chart notifications and goTemplate ApplicationSets share."""

from __future__ import annotations

import json
import threading

import pytest

from gitward.charts.gotemplates import GoTemplateChart, GoTemplateError

RENDER = '{{- toJson (dict "greeting" (include "test.greet" .Values.name)) -}}'
HELPERS = '{{- define "test.greet" -}}hello {{ . | upper }}{{- end -}}'


def test_the_render_file_prints_over_the_values_with_its_helpers() -> None:
    chart = GoTemplateChart("gitward-test", RENDER, {"_helpers.tpl": HELPERS})

    assert json.loads(chart.render({"name": "dev"}, release="test")) == {"greeting": "hello DEV"}


def test_a_broken_template_is_a_failure_carrying_helms_message() -> None:
    chart = GoTemplateChart("gitward-test", "{{ .Values.name | nosuchfunction }}", {})

    with pytest.raises(GoTemplateError) as caught:
        chart.render({"name": "dev"}, release="test")

    assert "nosuchfunction" in caught.value.detail


def test_renders_from_several_threads_each_get_their_own_answer() -> None:
    chart = GoTemplateChart("gitward-test", RENDER, {"_helpers.tpl": HELPERS})
    answers: dict[str, str] = {}

    def render(name: str) -> None:
        answers[name] = json.loads(chart.render({"name": name}, release="test"))["greeting"]

    threads = [threading.Thread(target=render, args=(f"app{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == {f"app{i}": f"hello APP{i}" for i in range(6)}
