"""Loading the YAML fixture tables of the diff tests, and turning their rules into values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitward.model.application import IgnoreDifference

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> list[dict[str, Any]]:
    """The cases of ``fixtures/<name>.yaml``, each a mapping with a ``name``."""
    cases = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text())
    assert isinstance(cases, list), name
    return cases


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


def rules(raw: list[dict[str, Any]] | None) -> tuple[IgnoreDifference, ...]:
    """``ignoreDifferences`` entries as written in an Application."""
    return tuple(
        IgnoreDifference(
            kind=item.get("kind", ""),
            group=item.get("group", ""),
            name=item.get("name", ""),
            namespace=item.get("namespace", ""),
            json_pointers=tuple(item.get("jsonPointers", ())),
            jq_path_expressions=tuple(item.get("jqPathExpressions", ())),
            managed_fields_managers=tuple(item.get("managedFieldsManagers", ())),
        )
        for item in raw or ()
    )
