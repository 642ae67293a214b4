"""The table-driven cases in ``fixtures/``: one resource, then one application at a time."""

from __future__ import annotations

from typing import Any

import pytest
from diff_cases import ids, load, rules

from gitward import diff
from gitward.model.objects import ResourceKey

RESOURCE_CASES = [
    case
    for table in (
        "deployments",
        "services",
        "secrets_configmaps",
        "three_way",
        "managed_fields",
        "ignore",
    )
    for case in load(table)
]
APP_CASES = load("apps")


@pytest.mark.parametrize("case", RESOURCE_CASES, ids=ids(RESOURCE_CASES))
def test_a_resource_compares_as_the_table_says(case: dict[str, Any]) -> None:
    result = diff.compare(
        case.get("desired"),
        case.get("live"),
        case.get("last_applied"),
        ignore=rules(case.get("ignore")),
    )

    expected = case["expect"]
    assert result.status == expected["status"], result.changes
    if "changes" in expected:
        assert sorted(change.pointer for change in result.changes) == sorted(expected["changes"])
    assert result.modified == (expected["status"] in ("OutOfSync", "Missing", "RequiresPruning"))
    assert bool(result.diff) == result.modified


def _key(text: str) -> ResourceKey:
    group_kind, _, scoped = text.partition(" ")
    group, _, kind = group_kind.rpartition("/")
    namespace, _, name = scoped.rpartition("/")
    return ResourceKey(group, kind, namespace, name)


@pytest.mark.parametrize("case", APP_CASES, ids=ids(APP_CASES))
def test_an_application_compares_as_the_table_says(case: dict[str, Any]) -> None:
    tracked = case.get("tracked")
    result = diff.compare_app(
        case.get("desired") or [],
        case.get("live") or [],
        ignore=rules(case.get("ignore")),
        tracked=None if tracked is None else {_key(text) for text in tracked},
        namespace=case.get("namespace", ""),
    )

    expected = case["expect"]
    assert result.status == expected["status"]
    statuses = {str(resource.key): str(resource.status) for resource in result.resources}
    assert statuses == expected["resources"]
