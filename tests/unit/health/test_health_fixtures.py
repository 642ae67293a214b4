"""Every built-in check, table-driven: each fixture case gives an object and the exact verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitward.health import HealthStatus, assess

FIXTURES = Path(__file__).parent / "fixtures"


def _cases() -> list[Any]:
    found = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text())["cases"]:
            found.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return found


CASES = _cases()


def test_every_kind_family_has_a_fixture_file():
    families = {path.stem for path in FIXTURES.glob("*.yaml")}

    assert families >= {
        "workloads",
        "pods",
        "networking",
        "storage",
        "batch",
        "autoscaling",
        "cluster",
        "applications",
        "generic",
        "conventions",
        "certmanager",
        "externalsecrets",
        "flux",
        "crossplane",
        "argo",
        "operators",
    }


def test_case_names_are_unique():
    names = [param.id for param in CASES]

    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES)
def test_the_verdict_matches_the_fixture(case: dict[str, Any]):
    expected = case.get("expected_revision")

    health = assess(case["object"], expected_revision=expected)

    assert (health.status, health.message) == (HealthStatus(case["status"]), case["message"])
