"""``Validate=false``: the API server is told to let unknown fields through only when asked."""

from __future__ import annotations

from sync_builders import annotated, app, config_map, plan

from gitward.sync.applying import validation

OPTIONS = "argocd.argoproj.io/sync-options"


def test_objects_are_applied_with_strict_field_validation_by_default() -> None:
    (task,) = plan([config_map("settings")]).tasks
    assert validation(task) == "Strict"


def test_validate_false_on_an_object_lets_unknown_fields_through() -> None:
    desired = annotated(config_map("settings"), **{OPTIONS: "Validate=false"})
    (task,) = plan([desired]).tasks
    assert validation(task) == "Ignore"


def test_validate_false_on_the_app_applies_to_every_object() -> None:
    tasks = plan(
        [config_map("a"), config_map("b")], application=app(options=("Validate=false",))
    ).tasks
    assert {validation(task) for task in tasks} == {"Ignore"}
