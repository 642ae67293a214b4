"""A jq expression in ignoreDifferences cannot hang the controller: it is stopped and reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gitward import diff
from gitward.diff import JqWorker
from gitward.errors import ConfigError
from gitward.model.application import IgnoreDifference

RUNAWAY = "[range(0;1e9)]"


@pytest.fixture
def worker() -> Iterator[JqWorker]:
    runner = JqWorker(timeout_s=0.5)
    yield runner
    runner.close()


def deployment(replicas: int) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "dev"},
        "spec": {"replicas": replicas},
    }


def test_a_runaway_expression_is_stopped_and_makes_the_resource_unknown(worker: JqWorker) -> None:
    rule = IgnoreDifference(kind="Deployment", group="apps", jq_path_expressions=(RUNAWAY,))

    result = diff.compare(deployment(2), deployment(3), ignore=[rule], jq=worker)

    assert result.status == "Unknown"
    assert result.error is not None
    assert "ran longer than 0.5 s and was stopped" in result.error
    assert RUNAWAY in result.error


def test_the_worker_answers_again_after_a_runaway_expression(worker: JqWorker) -> None:
    with pytest.raises(ConfigError):
        worker.paths(RUNAWAY, {})

    assert worker.paths(".spec.replicas", deployment(1)) == [("spec", "replicas")]


def test_a_runaway_expression_makes_the_app_unknown_naming_the_resource(worker: JqWorker) -> None:
    rule = IgnoreDifference(kind="*", group="*", jq_path_expressions=(RUNAWAY,))

    app = diff.compare_app([deployment(2)], [deployment(2)], ignore=[rule], jq=worker)

    assert app.status == "Unknown"
    assert app.error is not None and "apps/Deployment dev/web" in app.error


def test_the_worker_cannot_read_the_controllers_environment(
    worker: JqWorker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITWARD_TEST_TOKEN", "do-not-leak-me")

    with pytest.raises(ConfigError) as caught:
        worker.paths("$ENV.GITWARD_TEST_TOKEN | tostring", {})

    assert "do-not-leak-me" not in str(caught.value)


def test_a_syntax_error_is_a_configuration_error_naming_the_expression(worker: JqWorker) -> None:
    with pytest.raises(ConfigError) as caught:
        worker.paths(".spec.replicas[", {})

    assert ".spec.replicas[" in caught.value.message
